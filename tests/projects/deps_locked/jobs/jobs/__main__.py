import httpx

print(httpx.get("https://example.org").status_code)
