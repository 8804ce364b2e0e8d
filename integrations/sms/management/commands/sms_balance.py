"""`manage.py sms_balance`: the SMS account's remaining points, and today's usage."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.sms.providers import ProviderError, get_provider
from integrations.sms.transport import sent_today


class Command(BaseCommand):
    help = "Show the SMS gateway's remaining points (三竹 AccountPoint) and today's SMS count."

    def add_arguments(self, parser):
        parser.add_argument("--warn-below", type=int, default=0, help="exit 2 when fewer points are left")

    def handle(self, *args, warn_below: int = 0, **options):
        provider = get_provider()
        if not provider.is_configured():
            raise CommandError("簡訊未設定 / SMS gateway not configured (MITAKE_USERNAME, MITAKE_PASSWORD)")
        try:
            points = provider.balance()
        except ProviderError as exc:
            raise CommandError(str(exc)) from exc
        cap = settings.SMS_DAILY_CAP or "∞"
        self.stdout.write(f"{provider.name}: {points} points left; {sent_today()} / {cap} SMS sent today")
        if warn_below and points < warn_below:
            self.stderr.write(f"點數不足 / fewer than {warn_below} points left")
            raise SystemExit(2)
