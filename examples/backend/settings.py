import os

DEBUG = False
SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/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"
SENDGRID_API_KEY = "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"
# Read from the environment: this one is done right and must not be reported.
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY")
