"""LINE Messaging API connector (line-bot-sdk v3)."""
