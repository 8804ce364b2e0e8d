"""Load N fictional cases into the benchmark database, fast (PostgreSQL COPY).

    .venv/bin/python bench/generate.py [--n 1000000] [--seed 8] [--force]

Ten years of intake ending today, 60 departments, 200 categories, about 5 % of cases open
(a share of them overdue), audit events and citizen messages in proportion, Chinese
subjects and descriptions built from real 2-character words (bench/vocab.py). Everything is
fictional and deterministic for a given seed (the dates are relative to the load day).

How it stays fast: small tables through the ORM; petitioners and cases are generated in
Python and streamed with `COPY … FROM STDIN` while the secondary indexes, constraints and
the bigram trigger are off; events, messages and daily sequence counters are derived from
the cases with set-based `INSERT … SELECT`; then the indexes are rebuilt, every constraint
is re-added (and so validated), the bigram column is verified on a sample against the
trigger's own SQL function, and the tables are VACUUM ANALYZEd. A dataset of the right size
is reused (table `bench_meta`) unless --force.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import re
import sys
import threading
import time
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB_URL = "postgres://postgres@127.0.0.1:5432/casesys_bench"
# 4: a sub-category's cases carry its words (bench/vocab.py SUB_WORDS), so the category
# suggestion has a signal below the main category; a version-3 data set is upgraded in place
# (`upgrade_texts`), not reloaded.
GENERATOR_VERSION = 4
TZ = ZoneInfo("Asia/Taipei")
STAFF_PASSWORD = "bench-password-1"  # fictional staff log-ins of the bench data set
YEARS = 10


def log(msg: str) -> None:
    print(f"[generate {time.strftime('%H:%M:%S', time.gmtime())}Z] {msg}", flush=True)


def bench_db_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB_URL)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = bench_db_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casesys.settings")
    import django

    django.setup()


def conninfo(url: str) -> str:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    parts = {"dbname": cfg["NAME"], "user": cfg["USER"], "password": cfg["PASSWORD"], "host": cfg["HOST"], "port": cfg["PORT"]}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v not in (None, ""))


def ensure_database(url: str, *, recreate: bool) -> None:
    """Create the bench database if missing (drop it first when recreating)."""
    import dj_database_url
    import psycopg

    name = dj_database_url.parse(url)["NAME"]
    admin = conninfo(url).replace(f"dbname={name}", "dbname=postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            log(f"dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def read_meta(url: str) -> dict | None:
    import psycopg

    try:
        with psycopg.connect(conninfo(url)) as conn:
            row = conn.execute("SELECT value FROM bench_meta WHERE key = 'dataset'").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


# --------------------------------------------------------------------------- helpers ---

def copy_escape(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    s = str(value)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


_ARRAY_SPECIAL = re.compile(r'[,{}"\\\s]|^null$', re.IGNORECASE)  # bigrams are 2 characters: never "null"


def pg_array_literal(items) -> str:
    """A text[] literal; elements are quoted only when they need it (rarely: vocab is plain)."""
    items = list(items)
    if not _ARRAY_SPECIAL.search("".join(items)):
        return "{" + ",".join(items) + "}"
    out = []
    for i in items:
        if _ARRAY_SPECIAL.search(i):
            i = '"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out.append(i)
    return "{" + ",".join(out) + "}"


_DAYS: dict[int, str] = {}


def ts(epoch: float | None) -> str | None:
    """UTC timestamp text for COPY (whole seconds)."""
    if epoch is None:
        return None
    e = int(epoch)
    day, rest = divmod(e, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        t = time.gmtime(day * 86400)
        prefix = _DAYS[day] = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} "
    return f"{prefix}{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}+00"


def roc(day: dt.date) -> str:
    return f"{day.year - 1911:03d}{day:%m%d}"


class Calendar:
    """Weekends off (the bench needs plausible deadlines, not the official calendar)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[dt.date, int], dt.date] = {}

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        hit = self._cache.get(key)
        if hit is None:
            d = day
            left = n
            while left > 0:
                d += dt.timedelta(days=1)
                if d.weekday() < 5:
                    left -= 1
            hit = self._cache[key] = d
        return hit

    def due(self, received: float, rday: dt.date, unit: str, value: int) -> float:
        if unit == "hours":
            return received + value * 3600
        if unit == "calendar_days":
            last = rday + dt.timedelta(days=value)
            while last.weekday() >= 5:  # 行政程序法 §48 ④: a period ending on a rest day ends on the next working day
                last += dt.timedelta(days=1)
            return end_of_day(last)
        return end_of_day(self.add_working_days(rday, value))


def end_of_day(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=TZ).timestamp()


# ------------------------------------------------------------------- reference data ---

def load_reference_data(rng: random.Random):
    """Departments, categories, staff (ORM: a few hundred rows). Returns a lookup dict."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from bench.vocab import MAIN_CATEGORIES, SUB_SUFFIXES
    from casesys.cases.defaults import ensure_urgencies
    from casesys.cases.models import Category, Urgency
    from casesys.org.models import Department, Role, StaffProfile

    ensure_urgencies()
    city = Department.objects.create(code="CITY", name="示範市政府", name_en="Demo City", kind="agency")
    units, sections = [], []
    for u in range(11):
        unit = Department.objects.create(code=f"U{u:02d}", name=f"示範第{u + 1}局", parent=city, kind="unit")
        units.append(unit)
    for s in range(48):
        unit = units[s % 11]
        sections.append(
            Department.objects.create(code=f"{unit.code}-S{s:02d}", name=f"{unit.name}第{s + 1}科", parent=unit, kind="section")
        )
    # 1 + 11 + 48 = 60 departments.

    categories = []  # (category, main index, section)
    for m, (code, name, name_en, _words) in enumerate(MAIN_CATEGORIES):
        home = sections[(m * 5) % 48]
        parent = Category.objects.create(code=code, name=name, name_en=name_en, department=home, sla_value=6)
        categories.append((parent, m, home))
        for k, suffix in enumerate(SUB_SUFFIXES):
            section = sections[(m * 5 + k % 3) % 48]
            unit, value = ("hours", 24) if (code == "ROAD" and k == 1) else ("working_days", [6, 3, 6, 10, 6][k % 5])
            cat = Category.objects.create(
                code=f"{code}-{k + 1:02d}", parent=parent, name=f"{name}{suffix}", name_en=f"{name_en} {k + 1}",
                department=section, sla_unit=unit, sla_value=value, survey_exempt=(k == 8),
            )
            categories.append((cat, m, section))
    # 20 × (1 + 9) = 200 categories.

    User = get_user_model()
    pw = make_password(STAFF_PASSWORD)
    users = []
    staff_rows = []

    def add(username, first_name, dept, roles):
        users.append(User(username=username, first_name=first_name, password=pw, is_staff=Role.ADMIN in roles,
                          is_superuser=Role.ADMIN in roles))
        staff_rows.append((username, dept, roles))

    for s, section in enumerate(sections):
        for k in range(6):
            add(f"officer{s:02d}{k}", f"承辦{s:02d}{k}", section, [Role.OFFICER])
    for u, unit in enumerate(units):
        add(f"supervisor{u:02d}", f"主管{u:02d}", unit, [Role.SUPERVISOR])
    for k in range(10):
        add(f"intake{k}", f"受理{k}", city, [Role.INTAKE])
    add("analyst", "研考", city, [Role.ANALYST])
    add("admin", "管理者", city, [Role.ADMIN])
    User.objects.bulk_create(users)
    by_name = {u.username: u for u in User.objects.all()}
    StaffProfile.objects.bulk_create(
        [StaffProfile(user=by_name[n], department=d, roles=[str(r) for r in roles]) for n, d, roles in staff_rows]
    )
    for name in ("officer000", "supervisor00", "analyst", "admin", "intake0"):
        Token.objects.create(user=by_name[name], key=f"bench-token-{name}".ljust(40, "0")[:40])

    officers = {s.id: [by_name[f"officer{i:02d}{k}"].id for k in range(6)] for i, s in enumerate(sections)}
    supervisors = {s.id: by_name[f"supervisor{(i % 11):02d}"].id for i, s in enumerate(sections)}
    urgencies = {u.code: u for u in Urgency.objects.all()}
    return {
        "categories": categories,
        "officers": officers,
        "supervisors": supervisors,
        "intake": [by_name[f"intake{k}"].id for k in range(10)],
        "urgencies": urgencies,
    }


# ----------------------------------------------------------------- cases generator ---

CHANNELS = [("web", 35), ("phone", 33), ("line", 12), ("email", 8), ("letter", 4), ("walk_in", 3),
            ("telegram", 2), ("facebook", 1.5), ("open311", 1), ("transfer", 0.5)]
STAFF_CHANNELS = {"phone", "letter", "walk_in", "transfer"}


def day_counts(n: int, start: dt.date, days: int, rng: random.Random) -> list[int]:
    """Cases per day: intake grows over the decade, weekends get half."""
    weights = []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        w = (1.0 + 0.6 * i / days) * (0.5 if d.weekday() >= 5 else 1.0) * rng.uniform(0.85, 1.15)
        weights.append(w)
    total = sum(weights)
    raw = [n * w / total for w in weights]
    counts = [int(x) for x in raw]
    rest = n - sum(counts)
    for i in sorted(range(days), key=lambda i: raw[i] - counts[i], reverse=True)[:rest]:
        counts[i] += 1
    return counts


def generate_cases(
    chunk: dict, ref: dict, now: float, password_hash: str, prefix: str,
    copy_cases, case_columns: list[str], copy_pet, model_defaults: dict,
):
    """Cases of the days chunk["start"] … (counts per day), ids from chunk["first_id"]."""
    from bench.vocab import (
        DISTRICTS,
        GENERAL_WORDS,
        GIVEN,
        MAIN_CATEGORIES,
        REPLIES,
        STREETS,
        SURNAMES,
    )
    from casesys.cases.contacts import email_key, phone_key
    from casesys.cases.search import case_search_text, text_bigrams

    rng = random.Random(chunk["seed"])
    cal = Calendar()
    start = chunk["start"]
    counts = chunk["counts"]

    cats = ref["categories"]
    cat_weights = []
    for cat, m, _section in cats:
        main_w = 1.0 / (1 + m) ** 0.8
        cat_weights.append(main_w * (0.15 if cat.parent_id is None else 1.0 / (1 + (zlib.crc32(cat.code.encode()) % 9) * 0.3)))
    cat_cum = list(_cumulate(cat_weights))
    ch_names = [c for c, _ in CHANNELS]
    ch_cum = list(_cumulate([w for _, w in CHANNELS]))
    topic = [words for _code, _n, _e, words in MAIN_CATEGORIES]
    topic_cum = list(_cumulate([1.0 / (1 + i) for i in range(8)]))
    gen_cum = list(_cumulate([1.0 / (1 + i) ** 0.9 for i in range(len(GENERAL_WORDS))]))
    urg = ref["urgencies"]
    urg_rule = {code: (u.sla_unit, u.sla_value, u.rank) for code, u in urg.items()}
    normal_rank = urg["normal"].rank

    # A petitioner's id is the id of their first case: chunks never collide.
    pets: list[int] = []
    stats = {"open": 0, "overdue": 0, "states": {}, "petitioners": 0}
    case_rows = []
    pet_rows = []
    day_seq: list[tuple[dt.date, int]] = []
    cid = chunk["first_id"] - 1
    choices = rng.choices
    random_ = rng.random
    uniform = rng.uniform

    for di, count in enumerate(counts):
        day = start + dt.timedelta(days=di)
        if not count:
            continue
        day_seq.append((day, count))
        base = dt.datetime(day.year, day.month, day.day, tzinfo=TZ).timestamp()
        secs = sorted(
            (uniform(8 * 3600, 18 * 3600) if random_() < 0.75 else uniform(0, 86399)) for _ in range(count)
        )
        roc_day = roc(day)
        for seq, sec in enumerate(secs, start=1):
            cid += 1
            received = base + sec
            if received > now - 60:
                received = now - 60 - (count - seq)
            cat, m, section = cats[_pick(cat_cum, random_())]
            channel = ch_names[_pick(ch_cum, random_())]
            r = random_()
            urgency = "most_urgent" if r < 0.02 else "urgent" if r < 0.10 else "normal"
            u_unit, u_value, u_rank = urg_rule[urgency]
            rday = dt.datetime.fromtimestamp(received, TZ).date()
            # As casesys.cases.deadlines.deadline_rule: an urgency only ever shortens the deadline.
            sla_unit, sla_value = cat.sla_unit, cat.sla_value
            due = cal.due(received, rday, sla_unit, sla_value)
            if u_rank < normal_rank:
                urgent_due = cal.due(received, rday, u_unit, u_value)
                if urgent_due < due:
                    sla_unit, sla_value, due = u_unit, u_value, urgent_due
            dispatch_due = min(end_of_day(cal.add_working_days(rday, 1)), due)
            extension = 0
            if random_() < 0.03:
                extension = rng.randint(2, 10)
                due = end_of_day(cal.add_working_days(dt.datetime.fromtimestamp(due, TZ).date(), extension))

            # Text: subject and description from the category's topic words and general words.
            words = topic[m]
            street = STREETS[int(random_() * len(STREETS))]
            district = DISTRICTS[int(random_() * len(DISTRICTS))]
            t = [words[_pick(topic_cum, random_())] for _ in range(3)]
            subject = f"{street}{t[0]}{t[1]}" if random_() < 0.6 else f"{district}{t[0]}{t[2]}{GENERAL_WORDS[_pick(gen_cum, random_())]}"
            clauses = [f"{street}{rng.randint(1, 300)}號附近{t[0]}{t[1]}"]
            for _ in range(rng.randint(2, 4)):
                k = rng.randint(2, 5)
                clauses.append("".join(
                    words[_pick(topic_cum, random_())] if random_() < 0.35 else GENERAL_WORDS[_pick(gen_cum, random_())]
                    for _ in range(k)
                ))
            description = "，".join(clauses) + "。"
            number = f"{prefix}-{roc_day}-{seq:05d}"
            subject, description = leaf_words(number, cat.code, subject, description)

            # Life cycle.
            age_days = (now - received) / 86400
            if age_days < 2:
                p_open = 0.97
            elif age_days < 7:
                p_open = 0.8
            elif age_days < 30:
                p_open = 0.3
            else:
                p_open = 0.4 * math.exp(-age_days / 400)
            is_open = random_() < p_open
            officers = ref["officers"][section.id]
            dispatched = accepted = submitted = closed = None
            assignee = replied_by = approved_by = None
            reply = ""
            on_time = None
            satisfaction = surveyed = None
            transferred_to = filed_reason = ""
            merged_into = None
            span = max(due - received, 3600)
            if is_open:
                r = random_()
                state = "received" if r < 0.08 else "dispatched" if r < 0.22 else "in_progress" if r < 0.9 else "pending_approval"
                if age_days > 30 and random_() < 0.7:
                    # Long-running (列管) cases whose deadline was moved on: not overdue.
                    due = now + uniform(1, 20) * 86400
                    extension = extension or rng.randint(5, 20)
            else:
                r = random_()
                state = "closed" if r < 0.92 else "filed" if r < 0.96 else "transferred" if r < 0.985 else "merged"
            if state != "received" and not (state in ("filed", "transferred") and random_() < 0.5):
                dispatched = received + uniform(0.2, 0.9) * min(span, 86400)
            if dispatched and state not in ("dispatched",):
                accepted = dispatched + uniform(0.05, 0.3) * min(span, 86400)
                assignee = officers[int(random_() * 6)]
            if state in ("pending_approval", "closed"):
                frac = uniform(0.2, 0.95) if random_() < 0.88 else uniform(1.0, 2.5)
                submitted = max(received + frac * span, (accepted or received) + 600)
                replied_by = assignee
                reply = REPLIES[int(random_() * len(REPLIES))]
            if state == "closed":
                closed = submitted + uniform(600, 20 * 3600)
                approved_by = ref["supervisors"][section.id]
            elif state in ("filed", "transferred", "merged"):
                closed = (accepted or dispatched or received) + uniform(600, 3 * 86400)
                if state == "filed":
                    filed_reason = ("no_content", "no_identity", "repeat")[int(random_() * 3)]
                elif state == "transferred":
                    transferred_to = "示範縣政府"
                elif cid > 1:
                    merged_into = cid - 1 - int(random_() * min(cid - 1, 50))
            last = max(x for x in (received, dispatched, accepted, submitted, closed) if x is not None)
            if last > now - 1:
                # The life cycle would end in the future: the case is still being handled.
                state, closed, approved_by, filed_reason, transferred_to, merged_into = "in_progress", None, None, "", "", None
                if accepted is None or accepted > now - 1:
                    dispatched = received + 0.3 * (now - received) if dispatched is None or dispatched > now - 1 else dispatched
                    accepted = dispatched + 0.3 * (now - dispatched)
                    assignee = officers[int(random_() * 6)]
                submitted, replied_by, reply = None, None, ""
                last = accepted
            if closed is not None and state != "merged":
                on_time = closed <= due
            if state == "closed" and random_() < 0.3:
                satisfaction = choices((1, 2, 3, 4, 5), (5, 5, 15, 35, 40))[0]
                surveyed = closed + uniform(3600, 5 * 86400)
                if surveyed > now:
                    satisfaction = surveyed = None
            if state in ("received", "dispatched", "in_progress", "pending_approval"):
                stats["open"] += 1
                if due < now:
                    stats["overdue"] += 1
            stats["states"][state] = stats["states"].get(state, 0) + 1

            # Petitioner: some write again (repeat petitioners), some are anonymous.
            anonymous = random_() < 0.03
            petitioner = None
            if not anonymous:
                if pets and random_() < 0.3:
                    petitioner = pets[int(random_() * len(pets))]
                else:
                    pet_id = petitioner = cid
                    pets.append(pet_id)
                    name = SURNAMES[int(random_() * len(SURNAMES))] + GIVEN[int(random_() * len(GIVEN))]
                    phone = f"09{rng.randint(10000000, 99999999)}"
                    email = f"citizen{pet_id}@example.invalid" if random_() < 0.4 else ""
                    pet_rows.append("\t".join((
                        str(pet_id), name, phone, email,
                        f"{district}{street}{rng.randint(1, 300)}號",
                        "f", ts(received),
                        # The contact keys (cases.Petitioner.save) are NOT NULL since issue 13/14.
                        phone_key(phone), email_key(email),
                    )))

            version = 1 + sum(x is not None for x in (dispatched, accepted, submitted, closed))
            values = {
                "id": cid,
                "number": number,
                "password_hash": password_hash,
                "state": state,
                "version": version,
                "channel": channel,
                "category_id": cat.id,
                "urgency_id": urgency,
                "subject": subject,
                "description": description,
                "language": "zh",
                "address": f"{district}{street}{rng.randint(1, 300)}號",
                "district": district,
                "lat": f"{25.0 + random_() * 0.1:.6f}" if random_() < 0.6 else None,
                "lng": f"{121.5 + random_() * 0.1:.6f}" if random_() < 0.6 else None,
                "petitioner_id": petitioner,
                "confidential": random_() < 0.05,
                "anonymous": anonymous,
                "department_id": section.id if (dispatched or state in ("transferred", "filed")) else None,
                "assignee_id": assignee,
                "registered_by_id": ref["intake"][cid % 10] if channel in STAFF_CHANNELS else None,
                "sla_unit": sla_unit,
                "sla_value": sla_value,
                "received_at": ts(received),
                "clock_started_at": ts(received),
                "due_at": ts(due),
                "dispatch_due_at": ts(dispatch_due),
                "dispatched_at": ts(dispatched),
                "accepted_at": ts(accepted),
                "reply_submitted_at": ts(submitted),
                "closed_at": ts(closed),
                "on_time": on_time,
                "extension_days": extension,
                "reply": reply,
                "replied_by_id": replied_by,
                "approved_by_id": approved_by,
                "merged_into_id": merged_into,
                "transferred_to": transferred_to,
                "filed_reason": filed_reason,
                "satisfaction": satisfaction,
                "surveyed_at": ts(surveyed),
                "created_at": ts(received + 1),
                "updated_at": ts(last),
                "search_bigrams": pg_array_literal(text_bigrams(case_search_text(number, subject, description))),
            }
            case_rows.append("\t".join(copy_escape(values.get(col, model_defaults.get(col))) for col in case_columns))
            if len(case_rows) >= 5000:
                copy_cases.write("\n".join(case_rows) + "\n")
                case_rows.clear()
                if pet_rows:
                    copy_pet.write("\n".join(pet_rows) + "\n")
                    pet_rows.clear()
    if case_rows:
        copy_cases.write("\n".join(case_rows) + "\n")
    if pet_rows:
        copy_pet.write("\n".join(pet_rows) + "\n")
    stats["petitioners"] = len(pets)
    return stats, day_seq


def leaf_words(number: str, code: str, subject: str, description: str) -> tuple[str, str]:
    """A sub-category's words in its case's text: a pure function of the case number and
    category code (no draw from the generator's random stream, so every other column stays
    as version 3 made it and `upgrade_texts` can add them to a loaded data set). Three cases
    in four get one word at the end of the description, a third of those also at the start
    of the subject; main categories' own cases get none."""
    from bench.vocab import SUB_SUFFIXES, SUB_WORDS

    main, _, sub = code.partition("-")
    if not sub.isdigit() or not 1 <= int(sub) <= len(SUB_SUFFIXES):
        return subject, description
    h = zlib.crc32(number.encode())
    if h % 100 >= 75:
        return subject, description
    words = SUB_WORDS[int(sub) - 1]
    word = words[(h >> 8) % len(words)]
    description = f"{description[:-1]}，{word}{description[-1:]}" if description.endswith("。") else f"{description}，{word}"
    if (h >> 16) % 100 < 33:
        subject = f"{word}{subject}"[:200]
    return subject, description


def upgrade_texts(url: str) -> None:
    """Version 3 → 4 in place: the sub-category words added to subject, description and the
    bigram column of every case, as a fresh load would write them (a few minutes instead of a
    reload). The citizen messages derived from the texts at load time keep the old wording."""
    import psycopg

    from casesys.cases.search import case_search_text, text_bigrams

    t0 = time.perf_counter()
    # Read on one connection while the other COPYs (a connection does one thing at a time).
    with psycopg.connect(conninfo(url)) as conn, psycopg.connect(conninfo(url), autocommit=True) as reader:
        conn.execute("SET synchronous_commit = off")
        codes = dict(reader.execute("SELECT id, code FROM cases_category").fetchall())
        conn.execute("CREATE TEMP TABLE bench_retext (id bigint PRIMARY KEY, subject text, description text, search_bigrams text[])")
        last, changed = 0, 0
        with conn.cursor() as cur, cur.copy("COPY bench_retext FROM STDIN") as cp:
            while True:
                rows = reader.execute(
                    "SELECT id, number, category_id, subject, description FROM cases_case WHERE id > %s ORDER BY id LIMIT 50000",
                    [last],
                ).fetchall()
                if not rows:
                    break
                for cid, number, cat, subject, description in rows:
                    new_subject, new_description = leaf_words(number, codes.get(cat, ""), subject, description)
                    if (new_subject, new_description) != (subject, description):
                        changed += 1
                        bigrams = pg_array_literal(text_bigrams(case_search_text(number, new_subject, new_description)))
                        cp.write("\t".join((str(cid), copy_escape(new_subject), copy_escape(new_description), bigrams)) + "\n")
                last = rows[-1][0]
        reader.close()  # holds no lock on the table the indexes are taken off next
        log(f"upgrading {changed:,} case texts to generator version {GENERATOR_VERSION} (indexes off)")
        restore = detach_indexes(conn, ["cases_case"])
        conn.execute("ALTER TABLE cases_case DISABLE TRIGGER USER")
        conn.execute(
            "UPDATE cases_case c SET subject = t.subject, description = t.description, search_bigrams = t.search_bigrams "
            "FROM bench_retext t WHERE c.id = t.id"
        )
        conn.execute("ALTER TABLE cases_case ENABLE TRIGGER USER")
        conn.commit()
    restore_indexes(url, restore)
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) cases_case")
        conn.execute(
            "UPDATE bench_meta SET value = jsonb_set(value, '{version}', %s::jsonb) WHERE key = 'dataset'",
            [str(GENERATOR_VERSION)],
        )
    log(f"texts upgraded in {time.perf_counter() - t0:.0f}s")


def _cumulate(weights):
    total = 0.0
    s = sum(weights)
    for w in weights:
        total += w / s
        yield total


def _pick(cum: list[float], r: float) -> int:
    # Binary search in the cumulative weights (bisect without the import per call).
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < r:
            lo = mid + 1
        else:
            hi = mid
    return lo


# ------------------------------------------------------------- schema juggling -------

def detach_indexes(conn, tables: list[str]) -> list[tuple[str, str]]:
    """Drop secondary indexes and constraints (keep primary keys); return SQL to restore them."""
    restore: list[tuple[str, str]] = []
    for table in tables:
        for name, definition, contype in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'c') ORDER BY contype DESC",
            [table],
        ).fetchall():
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append((contype, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for name, definition in conn.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
            [table],
        ).fetchall():
            conn.execute(f'DROP INDEX "{name}"')
            restore.append(("i", definition))
    return restore


def restore_indexes(url: str, restore: list[tuple[str, str]], workers: int = 2) -> None:
    """Indexes first (two connections share the work), then unique/check/foreign keys."""
    import psycopg

    indexes = [sql for kind, sql in restore if kind == "i"]
    # Unique constraints before foreign keys that might need them; checks anywhere.
    constraints = [sql for kind, sql in sorted(restore, key=lambda r: {"u": 0, "c": 1, "f": 2}.get(r[0], 3)) if kind != "i"]
    errors: list[BaseException] = []

    def work(items: list[str]) -> None:
        try:
            with psycopg.connect(conninfo(url), autocommit=True) as c:
                c.execute("SET maintenance_work_mem = '1GB'")
                for sql in items:
                    t0 = time.perf_counter()
                    c.execute(sql)
                    if time.perf_counter() - t0 > 5:
                        log(f"  {time.perf_counter() - t0:.1f}s {sql[:100]}")
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    # The GIN index is the slowest: give it a connection of its own.
    indexes.sort(key=lambda s: "gin" not in s)
    threads = [threading.Thread(target=work, args=(indexes[i::workers],)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    work(constraints)
    if errors:
        raise errors[0]


# ------------------------------------------------------------------------- main ------

_LOAD: dict = {}


def plan_chunks(n: int, seed: int, now: float, size: int = 50_000) -> list[dict]:
    """Split the decade into runs of whole days of about `size` cases, each with its own seed."""
    today = dt.datetime.fromtimestamp(now, TZ).date()
    days = 365 * YEARS + YEARS // 4
    start = today - dt.timedelta(days=days - 1)
    counts = day_counts(n, start, days, random.Random(seed))
    chunks, first_id, begin = [], 1, 0
    acc = 0
    for i, c in enumerate(counts):
        acc += c
        if acc >= size or i == len(counts) - 1:
            chunks.append({
                "seed": seed * 1_000_003 + len(chunks), "start": start + dt.timedelta(days=begin),
                "counts": counts[begin : i + 1], "first_id": first_id,
            })
            first_id += acc
            begin, acc = i + 1, 0
    return chunks


def load_chunk(chunk: dict):
    """One worker process: generate a chunk and COPY it (cases and petitioners)."""
    import psycopg

    L = _LOAD
    with psycopg.connect(conninfo(L["url"])) as conn, psycopg.connect(conninfo(L["url"])) as conn_p:
        for c in (conn, conn_p):
            c.execute("SET synchronous_commit = off")
        # One COPY stream per connection: petitioners go through a second one.
        with conn.cursor() as cur, conn_p.cursor() as cur_p, cur_p.copy(
            f"COPY {L['pet_table']} ({', '.join(L['pet_columns'])}) FROM STDIN"
        ) as copy_pet, cur.copy(f"COPY {L['case_table']} ({', '.join(L['case_columns'])}) FROM STDIN") as copy_cases:
            result = generate_cases(
                chunk, L["ref"], L["now"], L["password_hash"], L["prefix"], copy_cases, L["case_columns"], copy_pet,
                L["model_defaults"],
            )
        conn_p.commit()
        conn.commit()
    return result

def generate(n: int, seed: int, force: bool) -> dict:
    url = bench_db_url()
    meta = read_meta(url)
    wanted = {"n": n, "seed": seed, "version": GENERATOR_VERSION}
    if meta and not force and meta.get("version") == 3 and all(meta.get(k) == wanted[k] for k in ("n", "seed")):
        upgrade_texts(url)
        meta = read_meta(url)
    if meta and not force and all(meta.get(k) == v for k, v in wanted.items()):
        log(f"reusing the loaded dataset ({n:,} cases, generated {meta.get('generated_at')}); migrating")
        setup_django()
        from django.core.management import call_command

        # New migrations (e.g. indexes added after tuning) apply to the loaded data set too.
        call_command("migrate", verbosity=0, interactive=False)
        return meta
    ensure_database(url, recreate=True)
    setup_django()
    from django.core.management import call_command

    t_start = time.perf_counter()
    log("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    t_migrate = time.perf_counter() - t_start

    import psycopg
    from django.conf import settings
    from django.db import connection

    from casesys.cases.models import Case, CaseEvent, CaseMessage, CaseSequence, Petitioner
    from casesys.cases.numbering import hash_case_password

    rng = random.Random(seed)
    ref = load_reference_data(rng)
    connection.close()
    now = time.time()
    prefix = settings.CASESYS["CASE_NUMBER_PREFIX"]
    password_hash = hash_case_password("bench-case-password")

    case_table = Case._meta.db_table
    tables = [case_table, Petitioner._meta.db_table, CaseEvent._meta.db_table, CaseMessage._meta.db_table]
    # Columns the generator does not set get the model's default (fields other contributors
    # add later keep working); COPY bypasses Django, so every NOT NULL column needs a value.
    model_defaults = {}
    for f in Case._meta.concrete_fields:
        d = f.get_default()
        model_defaults[f.column] = d.value if hasattr(d, "value") else d
    case_columns = [f.column for f in Case._meta.concrete_fields] + ["search_bigrams"]
    pet_columns = ["id", "name", "phone", "email", "address", "is_legal_person", "created_at",
                   "phone_key", "email_key"]
    pet_columns = [Petitioner._meta.get_field(c).column for c in pet_columns]

    t0 = time.perf_counter()
    with psycopg.connect(conninfo(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        restore = detach_indexes(conn, tables)
        conn.execute(f"ALTER TABLE {case_table} DISABLE TRIGGER USER")
        conn.commit()
        log(f"copying {n:,} cases (indexes, constraints and the bigram trigger off)")
        conn.commit()
    chunks = plan_chunks(n, seed, now)
    workers = max(1, int(os.environ.get("BENCH_LOAD_WORKERS", "2")))
    global _LOAD
    _LOAD = {
        "url": url, "ref": ref, "now": now, "password_hash": password_hash, "prefix": prefix,
        "case_table": case_table, "case_columns": case_columns, "pet_table": Petitioner._meta.db_table,
        "pet_columns": pet_columns, "model_defaults": model_defaults,
    }
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(load_chunk, chunks)
    stats = {"open": 0, "overdue": 0, "states": {}, "petitioners": 0}
    day_seq = []
    for st, ds in results:
        stats["open"] += st["open"]
        stats["overdue"] += st["overdue"]
        stats["petitioners"] += st["petitioners"]
        for k, v in st["states"].items():
            stats["states"][k] = stats["states"].get(k, 0) + v
        day_seq.extend(ds)
    with psycopg.connect(conninfo(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        t_cases = time.perf_counter() - t0
        log(f"cases copied in {t_cases:.1f}s ({n / t_cases:,.0f}/s); {stats}")

        t1 = time.perf_counter()
        seq_rows = [(prefix, day, count) for day, count in day_seq]
        with conn.cursor() as cur, cur.copy(f"COPY {CaseSequence._meta.db_table} (prefix, day, last) FROM STDIN") as cp:
            for row in seq_rows:
                cp.write_row(row)
        for table in (case_table, Petitioner._meta.db_table):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        log("deriving audit events from the cases")
        ev = CaseEvent._meta.db_table
        conn.execute(f"""
            INSERT INTO {ev} (case_id, kind, actor_id, at, from_state, to_state, note, changes, public, public_text)
            SELECT c.id, e.kind, e.actor, e.at, e.fs, e.ts, '', '{{}}'::jsonb, e.pub, e.ptext
            FROM {case_table} c CROSS JOIN LATERAL (VALUES
              ('created', c.registered_by_id, c.received_at, '', 'received', true, '已受理 / Received'),
              ('dispatched', NULL::bigint, c.dispatched_at, 'received', 'dispatched', true, '已分文 / Dispatched'),
              ('accepted', c.assignee_id, c.accepted_at, 'dispatched', 'in_progress', false, ''),
              ('reply_submitted', c.replied_by_id, c.reply_submitted_at, 'in_progress', 'pending_approval', false, ''),
              ('closed', c.approved_by_id, CASE WHEN c.state = 'closed' THEN c.closed_at END,
                 'pending_approval', 'closed', true, '已結案 / Closed'),
              (CASE c.state WHEN 'filed' THEN 'filed' WHEN 'transferred' THEN 'transferred' ELSE 'merged' END,
                 NULL::bigint, CASE WHEN c.state IN ('filed', 'transferred', 'merged') THEN c.closed_at END,
                 CASE WHEN c.accepted_at IS NOT NULL THEN 'in_progress' WHEN c.dispatched_at IS NOT NULL THEN 'dispatched' ELSE 'received' END,
                 c.state, true, '已結案 / Closed')
            ) AS e(kind, actor, at, fs, ts, pub, ptext)
            WHERE e.at IS NOT NULL
        """)
        log("deriving citizen messages from the cases")
        msg = CaseMessage._meta.db_table
        conn.execute(f"""
            INSERT INTO {msg} (case_id, direction, channel, kind, text, external_id, sent_at, deleted, data)
            SELECT c.id, m.direction, c.channel, m.kind, m.text, 'bench-' || c.id || '-' || m.k, m.at, false, '{{}}'::jsonb
            FROM {case_table} c CROSS JOIN LATERAL (VALUES
              (1, 'in', 'text', c.subject || '，' || left(c.description, 60), c.received_at),
              (2, 'in', CASE WHEN c.id % 3 = 0 THEN 'image' ELSE 'text' END,
                 CASE WHEN c.id % 3 = 0 THEN '' ELSE '補充說明：' || right(c.description, 40) END,
                 CASE WHEN c.id % 2 = 0 THEN c.received_at + interval '3 minutes' END),
              (3, 'out', 'text', '已收到您的陳情，案號 ' || c.number, c.received_at + interval '1 minute'),
              (4, 'out', 'text', c.reply, CASE WHEN c.state = 'closed' THEN c.closed_at END)
            ) AS m(k, direction, kind, text, at)
            WHERE c.channel IN ('line', 'telegram', 'facebook', 'email') AND m.at IS NOT NULL
        """)
        conn.commit()
        t_derived = time.perf_counter() - t1
        log(f"events and messages in {t_derived:.1f}s")

    t2 = time.perf_counter()
    log("rebuilding indexes and re-adding (validating) constraints")
    restore_indexes(url, restore)
    t_index = time.perf_counter() - t2
    log(f"indexes and constraints in {t_index:.1f}s")

    t3 = time.perf_counter()
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {case_table} ENABLE TRIGGER USER")
        # The bigrams were computed in Python: check them against the trigger's SQL on a sample.
        bad = conn.execute(f"""
            SELECT count(*) FROM {case_table}
            WHERE id % 500 = 0 AND NOT (
              search_bigrams @> casesys_bigrams(casesys_case_search_text(number, subject, description))
              AND casesys_bigrams(casesys_case_search_text(number, subject, description)) @> search_bigrams)
        """).fetchone()[0]
        if bad:
            raise SystemExit(f"search_bigrams differ from casesys_bigrams() on {bad} sampled cases")
        log("VACUUM ANALYZE")
        for table in tables + ["cases_casesequence", "auth_user", "org_staffprofile", "org_department", "cases_category"]:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables
        }
        t_vacuum = time.perf_counter() - t3
        meta = {
            **wanted,
            "generated_at": dt.datetime.now(TZ).isoformat(timespec="seconds"),
            "anchor_epoch": now,
            "rows": counts,
            "open": stats["open"],
            "overdue": stats["overdue"],
            "states": stats["states"],
            "seconds": {
                "migrate": round(t_migrate, 1), "cases_copy": round(t_cases, 1), "events_messages": round(t_derived, 1),
                "indexes_constraints": round(t_index, 1), "verify_vacuum_analyze": round(t_vacuum, 1),
                "total": round(time.perf_counter() - t_start, 1),
            },
        }
        import json

        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        conn.execute(
            "INSERT INTO bench_meta VALUES ('dataset', %s::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [json.dumps(meta)],
        )
    log(f"done in {meta['seconds']['total']:.0f}s: {counts}")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 1_000_000)))
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--force", action="store_true", help="regenerate even if a dataset of this size is loaded")
    args = parser.parse_args(argv)
    if args.n < 1000:
        parser.error("--n must be at least 1000")
    generate(args.n, args.seed, args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
