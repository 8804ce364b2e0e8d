from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from casesys.cases import demo
from casesys.faq.demo import seed_faq, seed_faq_proposals
from casesys.social.demo import seed_opinion, seed_opinion_leads
from casesys.suggest.services import suggest_model_train


class Command(BaseCommand):
    help = "建立虛構示範資料（可重複執行）/ Create fictional demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)

    def handle(self, *args, **options):
        started = time.monotonic()
        now = timezone.now()
        with transaction.atomic():
            depts = demo.seed_org()
            cats = demo.seed_categories(depts)
            users = demo.seed_users(depts)
            demo.seed_reply_templates(cats)
            demo.seed_keyword_rules(cats, depts)
            seed_opinion(users=users, now=now)
        created = demo.seed_cases(options["cases"], users, cats, now=now)
        # 常見問題集 (casesys/faq): published entries, one draft, and proposals from the closed demo cases.
        with transaction.atomic():
            seed_faq(users=users, categories=cats, now=now)
        if options["cases"]:
            seed_faq_proposals(now=now)
        # `--cases 0` is the organisation only (deploy/run-prod-stack.sh): no leads, no cases.
        connectors = demo.seed_connectors(users=users, categories=cats, now=now) if options["cases"] else {}
        if options["cases"]:
            with transaction.atomic():
                connectors["opinion"] = seed_opinion_leads(now=now)
            # The category suggestion learns from the closed demo cases now, not at 02:40.
            model = suggest_model_train(now=now)
            connectors["suggest"] = {"trained_on": model.cases if model else 0}
        seconds = time.monotonic() - started
        self.stdout.write(f"示範資料就緒，新增 {created} 件案件 / demo data ready, {created} new cases ({seconds:.0f} s)")
        for name, summary in connectors.items():
            self.stdout.write(f"  {name}: {summary}")
        self.stdout.write(f"示範帳號 / demo log-ins (password: {demo.DEMO_PASSWORD}):")
        for username, _first, dept, roles in demo.USERS:
            self.stdout.write(f"  {username:<11} {','.join(roles):<20} {dept}")
