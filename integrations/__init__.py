"""Connectors: LINE and Telegram webhooks, their processing tasks and outbound transports.

These packages call into `casesys`; the core never imports them (transports are looked up
by dotted path in `settings.CASESYS_CHANNELS`).
"""
