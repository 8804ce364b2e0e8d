"""`manage.py telegram_set_webhook https://example.gov.tw/integrations/telegram/webhook/`"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.telegram import client


class Command(BaseCommand):
    help = "向 Telegram 登記 webhook 網址與密鑰 / Register the webhook URL and secret with Telegram"

    def add_arguments(self, parser):
        parser.add_argument("url", help="公開的 HTTPS 網址 / public HTTPS URL of /integrations/telegram/webhook/")
        parser.add_argument("--drop-pending-updates", action="store_true", help="丟棄尚未送達的更新 / drop queued updates")

    def handle(self, *args, **options):
        url: str = options["url"]
        if not settings.TELEGRAM_BOT_TOKEN or not settings.TELEGRAM_WEBHOOK_SECRET:
            raise CommandError("請先設定 TELEGRAM_BOT_TOKEN 與 TELEGRAM_WEBHOOK_SECRET / Set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first.")
        if not url.startswith("https://"):
            raise CommandError("Telegram 只接受 HTTPS 網址 / Telegram requires an HTTPS URL.")
        try:
            ok = client.set_webhook(url, drop_pending_updates=options["drop_pending_updates"])
        except Exception as exc:  # noqa: BLE001 - say what went wrong, do not dump a traceback
            raise CommandError(f"Telegram 拒絕登記 / Telegram refused: {exc}") from exc
        if not ok:
            raise CommandError("Telegram 回覆失敗 / Telegram answered false.")
        self.stdout.write(self.style.SUCCESS(f"已登記 webhook / Webhook registered: {url}"))
