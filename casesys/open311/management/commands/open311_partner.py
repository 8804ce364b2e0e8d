"""`manage.py open311_partner "App name" [--organisation …] [--email …]`: issue an api_key."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from casesys.open311.services import partner_app_create


class Command(BaseCommand):
    help = "登錄 Open311 合作應用程式並核發 api_key / Register an Open311 partner app and issue its api_key"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--organisation", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args, name: str, organisation: str, email: str, **options):
        app, key = partner_app_create(name=name, organisation=organisation, contact_email=email)
        self.stdout.write(f"partner #{app.pk} {app.name}\napi_key={key}\n")
        self.stderr.write("請妥善保存，此金鑰不會再顯示 / Keep it safe: it is not shown again.\n")
