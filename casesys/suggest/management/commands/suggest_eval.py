from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casesys.suggest.services import suggest_evaluate


class Command(BaseCommand):
    help = (
        "以截止日前的已結案案件訓練類別建議，並以截止日後的案件評估 / "
        "Train the category suggestion on closed cases before a cut-off and measure it on the cases after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cutoff", required=True, help="YYYY-MM-DD (Asia/Taipei)")
        parser.add_argument("--years", type=int, default=None, help="years of cases before the cut-off (default CASESYS_SUGGEST_YEARS)")
        parser.add_argument("--limit", type=int, default=20000, help="at most this many cases to measure on")

    def handle(self, *args, **options):
        raw = options["cutoff"]
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise CommandError(f"截止日格式須為 YYYY-MM-DD / --cutoff must be YYYY-MM-DD: {raw!r}") from exc
        years = options["years"]
        if years is not None and not 1 <= years <= 30:
            raise CommandError("--years 須介於 1 到 30 / --years must be between 1 and 30")
        if options["limit"] < 1:
            raise CommandError("--limit 須至少為 1 / --limit must be at least 1")
        cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        result = suggest_evaluate(cutoff=cutoff, years=years, test_limit=options["limit"])
        if not result.trained:
            raise CommandError(f"{day} 之前沒有已結案案件可供訓練 / No closed cases before {day} to train on.")
        if not result.tested:
            raise CommandError(f"{day} 之後沒有已結案案件可供評估 / No closed cases from {day} on to measure.")
        self.stdout.write(
            f"trained on {result.trained} closed cases in {result.categories} categories ({result.train_seconds:.1f} s); "
            f"tested on {result.tested}\n"
            f"top-1 accuracy: {result.top1:.1%}\n"
            f"top-3 accuracy: {result.top3:.1%}"
        )
