"""Telegram Bot API connector (python-telegram-bot v22)."""
