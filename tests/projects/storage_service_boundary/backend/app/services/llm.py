from openai import OpenAI

client = OpenAI()


def describe_image(image_b64: str, mime: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Summarise this receipt."},
                    {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{image_b64}"}},
                ],
            }
        ],
    )
    return response.choices[0].message.content or ""
