from __future__ import annotations

from django.core.management.base import BaseCommand

from workers.schedule import sync_schedule


class Command(BaseCommand):
    help = "建立預設排程 / Create the default periodic tasks (workers/schedule.py) in django-celery-beat."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="還原為預設值 / Put every listed task back to its default."
        )

    def handle(self, *args, reset: bool = False, **options):
        result = sync_schedule(reset=reset)
        self.stdout.write(f"created={result['created']} updated={result['updated']}")
