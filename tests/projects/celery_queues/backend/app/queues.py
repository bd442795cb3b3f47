EMAILS = "emails"
REPORTS = "reports"
