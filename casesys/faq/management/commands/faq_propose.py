from __future__ import annotations

from django.core.management.base import BaseCommand

from casesys.faq.proposals import faq_proposals_refresh


class Command(BaseCommand):
    help = "由近期結案案件提出常見問題草稿建議 / Propose FAQ drafts from frequent closed cases."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None, help="closed within the last N months (CASESYS_FAQ_PROPOSAL_MONTHS)")
        parser.add_argument("--min-cases", type=int, default=None, help="smallest group proposed (CASESYS_FAQ_PROPOSAL_MIN_CASES)")

    def handle(self, *args, **options):
        months, min_cases = options["months"], options["min_cases"]
        if months is not None and months < 1 or min_cases is not None and min_cases < 2:
            self.stderr.write("--months 至少 1，--min-cases 至少 2 / --months must be at least 1 and --min-cases at least 2")
            raise SystemExit(2)
        r = faq_proposals_refresh(months=months, min_cases=min_cases)
        self.stdout.write(
            f"新增 {r.created} 則、更新 {r.refreshed} 則建議，略過 {r.skipped} 群 / "
            f"{r.created} new and {r.refreshed} refreshed proposals, {r.skipped} groups skipped (of {r.groups})"
        )
