"""Staff search: one search over every case the user may see, open or closed, any state.

Criteria combine (AND): case number (whole or prefix), text (the bigram index of
`casesys.cases.search`, Simplified Chinese also finding Traditional text), the petitioner's
full name, phone or e-mail, receipt date range, category (with its subcategories),
department (with its sub-departments), channel and state. Scope is always
`cases_visible_to(user)`: a case outside it cannot be found by any criterion.

Searching by personal data (name, phone, e-mail) is an access to identity, like a reveal:
only roles that may see identity can do it (`may_search_identity`), confidential cases are
only matched for those who may reveal a confidential identity, and every such search is
written to `IdentitySearch` with the term masked, never in clear (`identity_search_record`).

Speed at a million cases: a phone or e-mail is resolved first to petitioner ids through the
indexed normalised keys (`Petitioner.phone_key` / `email_key`, the same keys that recognise a
returning petitioner) and a connector channel's phone-derived addresses (`ContactAddress`,
indexed on channel and address); the case query then gets literal id lists, which PostgreSQL
answers with a bitmap of the `petitioner_id` index (and the co-petitioner table's), not a
walk of the archive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from casesys.cases.contacts import email_key, phone_key
from casesys.cases.identity import mask_email, mask_name, mask_phone
from casesys.cases.models import (
    FINAL_STATES,
    OPEN_STATES,
    Case,
    ContactAddress,
    IdentitySearch,
    Petitioner,
)
from casesys.cases.search import (
    STATS_TTL_SECONDS,
    case_search,
    normalise_query,
    table_rows,
    term_is_rare,
    term_share,
)
from casesys.cases.selectors import case_scope_q, cases_visible_to
from casesys.org.models import Role
from casesys.org.roles import roles_of

PAGE_SIZE = 50
# A phone or e-mail shared by more petitioner rows than this (a switchboard, a village
# office) is cut there: the newest rows, so the caller's recent cases still come first.
MAX_PETITIONERS = 1000
IDENTITY_FIELDS = ("name", "phone", "email")
STATE_GROUPS = {"open": [s.value for s in OPEN_STATES], "closed": [s.value for s in FINAL_STATES]}


CASE_NUMBER = re.compile(r"^[A-Z0-9]{1,16}-\d{7}-\d{5}$")


class IdentitySearchNotAllowed(Exception):
    pass


NOT_ALLOWED = "您沒有以個人資料搜尋的權限 / You may not search by personal data."


@dataclass
class Criteria:
    number: str = ""
    q: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    category: int | None = None
    department: object | None = None  # org.Department
    channel: str = ""
    state: str = ""  # a state, or "open" / "closed"
    ascending: bool = False  # by receipt: oldest first

    def identity_terms(self) -> dict[str, str]:
        return {f: getattr(self, f).strip() for f in IDENTITY_FIELDS if (getattr(self, f) or "").strip()}

    def is_empty(self) -> bool:
        return not any(
            (self.number, self.q, self.name, self.phone, self.email, self.received_from, self.received_to,
             self.category, self.department, self.channel, self.state)
        )


# --- who may search by what --------------------------------------------------------------


def may_search_identity(user) -> bool:
    """Roles that see or may reveal identity (identity.py): intake, supervisors, admins, and
    anyone granted `cases.view_identity` or `cases.reveal_confidential`. Officers see the
    identity of their own cases only, analysts none: neither searches by it."""
    roles = roles_of(user)
    if roles & {Role.ADMIN, Role.INTAKE, Role.SUPERVISOR}:
        return True
    return bool(roles) and (user.has_perm("cases.view_identity") or user.has_perm("cases.reveal_confidential"))


def may_match_confidential(user) -> bool:
    """Whether a personal-data search may match a confidential case (may_reveal_identity's rule)."""
    return Role.ADMIN in roles_of(user) or user.has_perm("cases.reveal_confidential")


# --- text: Simplified finds Traditional --------------------------------------------------


# OpenCC picks one Traditional character where Taiwan writes another just as often
# (尽快 → 儘快, Taiwanese texts mostly 盡快; 台 → 臺 in official names): one more form each.
_TAIWAN_FORMS = str.maketrans({"儘": "盡", "台": "臺", "綫": "線"})
# The query as typed plus at most three conversions: each is one more indexed condition.
MAX_VARIANTS = 4


@cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def text_variants(q: str) -> list[str]:
    """The query as typed and converted Simplified → Traditional (character by character, in
    Taiwan's standard forms and with Taiwan phrasing: 里面 → 裏面 / 裡面, 软件 → 軟件 / 軟體),
    distinct, in that order, at most MAX_VARIANTS."""
    q = normalise_query(q)
    if not q:
        return []
    out = [q]
    for config in ("s2t", "s2tw", "s2twp"):
        converted = _converter(config).convert(q)
        for form in (converted, converted.translate(_TAIWAN_FORMS)):
            if form and form not in out and len(out) < MAX_VARIANTS:
                out.append(form)
    return out


def text_filter(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    variants = text_variants(q)
    if not variants:
        return qs
    combined = case_search(qs, variants[0])
    for v in variants[1:]:
        combined = combined | case_search(qs, v)
    return combined


# --- personal data ------------------------------------------------------------------------


def _phone_channels() -> list:
    from casesys.common import channels

    return [s for s in channels.registry().values() if s.address_from == "phone"]


def _petitioner_id_query(*, name: str = "", phone: str = "", email: str = "") -> QuerySet | None:
    """The petitioner ids matching every given term, as a query (None: nothing can match).

    Phone: the normalised key (digits, +886 → 0, extensions dropped), and the addresses
    connector channels derive from a phone (e.g. an SMS number) in their own stored form.
    E-mail: lower-cased. Name: the whole name as recorded (trimmed), not a part of it — a
    surname alone would list thousands of people."""
    qs = Petitioner.objects.all()
    if name:
        qs = qs.filter(name=name.strip())
    if email:
        key = email_key(email)
        if not key:
            return None
        qs = qs.filter(email_key=key)
    ids = qs.values_list("pk", flat=True)
    if phone:
        key = phone_key(phone)
        if not key:
            return None
        from casesys.common import channels

        ids = qs.filter(phone_key=key).values_list("pk", flat=True)
        addr_q = None
        for spec in _phone_channels():
            address = channels.derived_address(spec, phone=key, email="")
            if address:
                one = Q(channel=spec.name, address=address)
                addr_q = one if addr_q is None else addr_q | one
        if addr_q is not None and not (name or email):
            # The normalised key, or a connector address derived from the number.
            ids = ids.union(ContactAddress.objects.filter(addr_q).values_list("petitioner_id", flat=True))
    return ids


def petitioner_ids(*, name: str = "", phone: str = "", email: str = "") -> list[int] | None:
    """Ids of petitioners matching every given term (None: no term given)."""
    if not (name or phone or email):
        return None
    ids = _petitioner_id_query(name=name, phone=phone, email=email)
    if ids is None:
        return []
    return sorted(set(ids[:MAX_PETITIONERS]), reverse=True)


def _identity_matches(terms: dict[str, str]) -> tuple[list[int], list[int]]:
    """(petitioner ids, ids of the cases they co-signed) in one round trip: the lookup sits on
    the intake form's every keystroke, so two statements would be two waits."""
    ids = _petitioner_id_query(**terms)
    if ids is None:
        return [], []
    sql, params = ids.query.sql_with_params()
    through = Case.co_petitioners.through._meta.db_table
    statement = (
        f"WITH p(pid) AS ({sql} LIMIT {MAX_PETITIONERS}) SELECT pid, NULL FROM p UNION ALL "
        f"SELECT NULL, case_id FROM (SELECT case_id FROM {connection.ops.quote_name(through)} "
        f"WHERE petitioner_id IN (SELECT pid FROM p) LIMIT {MAX_PETITIONERS}) AS co"
    )
    with connection.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    people = sorted({r[0] for r in rows if r[0] is not None}, reverse=True)
    return people, [r[1] for r in rows if r[1] is not None]


def identity_filter(qs: QuerySet[Case], *, user, terms: dict[str, str]) -> QuerySet[Case]:
    if not terms:
        return qs
    ids, as_co = _identity_matches(terms)
    if not ids:
        return qs.none()
    match = Q(petitioner_id__in=ids)
    if as_co:
        match |= Q(pk__in=as_co)
    qs = qs.filter(match)
    if not may_match_confidential(user):
        qs = qs.filter(confidential=False)
    return qs


def _digest(field_name: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"identity-search:{field_name}:{value}".encode(), hashlib.sha256).hexdigest()


def _normalised(field_name: str, value: str) -> str:
    if field_name == "phone":
        return phone_key(value) or value.strip()
    if field_name == "email":
        return email_key(value) or value.strip().lower()
    return value.strip()


MASKERS = {"name": mask_name, "phone": mask_phone, "email": mask_email}


def identity_search_record(
    *, user, source: str, terms: dict[str, str], result_count: int, case_numbers: list[str], now: dt.datetime | None = None
) -> IdentitySearch:
    """Write who searched by which personal data (masked, with a keyed digest) and what it listed."""
    masked, digests = {}, {}
    for f, value in terms.items():
        norm = _normalised(f, value)
        masked[f] = MASKERS[f](norm) or "○"
        digests[f] = _digest(f, norm)
    # One INSERT, atomic by itself.
    return IdentitySearch.objects.create(
        actor=user if getattr(user, "pk", None) else None,
        at=now or timezone.now(),
        source=source,
        fields=sorted(terms),
        masked_terms=masked,
        digests=digests,
        result_count=result_count,
        case_numbers=list(case_numbers)[:PAGE_SIZE],
    )


def identity_search_digest(field_name: str, value: str) -> str:
    """For auditors: the digest a search for `value` would have stored (to look it up)."""
    return _digest(field_name, _normalised(field_name, value))


# --- the search ---------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def staff_search(*, user, criteria: Criteria, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Every visible case (or every case of `base`) matching all given criteria (unordered;
    see `search_page`).

    Raises IdentitySearchNotAllowed for a personal-data term from a user who may not search by it."""
    qs = cases_visible_to(user) if base is None else base
    terms = criteria.identity_terms()
    if terms and not may_search_identity(user):
        raise IdentitySearchNotAllowed(NOT_ALLOWED)
    number = (criteria.number or "").strip().upper()
    if number:
        qs = qs.filter(number=number) if CASE_NUMBER.match(number) else qs.filter(number__startswith=number)
    if criteria.received_from:
        qs = qs.filter(received_at__gte=_day_start(criteria.received_from))
    if criteria.received_to:
        qs = qs.filter(received_at__lt=_day_start(criteria.received_to + dt.timedelta(days=1)))
    if criteria.category:
        qs = qs.filter(Q(category_id=criteria.category) | Q(category__parent_id=criteria.category))
    if criteria.department is not None:
        qs = qs.filter(department__path__startswith=criteria.department.path)
    if criteria.channel:
        qs = qs.filter(channel=criteria.channel)
    if criteria.state in STATE_GROUPS:
        qs = qs.filter(state__in=STATE_GROUPS[criteria.state])
    elif criteria.state:
        qs = qs.filter(state=criteria.state)
    if terms:
        qs = identity_filter(qs, user=user, terms=terms)
    if criteria.q:
        qs = text_filter(qs, criteria.q)
    return qs


ROW_FIELDS = (
    "id", "number", "subject", "state", "version", "channel", "received_at", "due_at", "closed_at", "confidential",
    "assignee_id", "petitioner_id", "category__code", "category__name", "category__name_en", "department__code",
    "department__name", "department__name_en", "department__path",
)
PETITIONER_FIELDS = ("petitioner__name", "petitioner__phone", "petitioner__email", "petitioner__address")


@dataclass
class SearchPage:
    rows: list[Case]
    next_cursor: str | None
    prev_cursor: str | None
    count: int | None  # None: more than one page (not counted)
    page_size: int = PAGE_SIZE
    identity_terms: dict[str, str] = field(default_factory=dict)


def _cursor(case: Case) -> str:
    return f"{int(case.received_at.timestamp() * 1_000_000)}.{case.pk}"


def parse_cursor(raw: str | None) -> tuple[dt.datetime, int] | None:
    if not raw:
        return None
    try:
        micros, pk = raw.split(".", 1)
        return dt.datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt.UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


# A term's matches come either from walking the newest-first index (a common term fills a
# page after a few hundred rows) or from the bigram bitmap (`term_is_rare`). The bitmap is
# read first for one window of receipt time next to where the page starts, sized from the
# term's estimated share to hold SLICE_PAGES pages: PostgreSQL ANDs the term's bitmap with the
# receipt-time index's range and fetches only the rows inside it. Only when that window holds
# less than a page is the rest of the archive read.
SLICE_PAGES = 4
_SPAN: dict = {"at": float("-inf"), "span": None}

# A text search in a limited scope (a department, a supervisor's subtree) walks the newest-
# first index until a page is found; when the term is common overall but rare in that scope
# (路燈 in a bureau that handles few lamps), the walk reads most of the archive. It gets this
# budget; past it, the same page comes from the bitmap. Analysts and administrators search
# every case, where the planner's row estimates hold, and need no budget.
WALK_BUDGET_MS = 250


def received_span() -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last receipt times (cached like the bigram statistics)."""
    now = time.monotonic()
    if now - _SPAN["at"] > STATS_TTL_SECONDS:
        first_last = Case.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
        span = (first_last["first"], first_last["last"]) if first_last["first"] else None
        _SPAN.update(at=now, span=span)
    return _SPAN["span"]


def _window(q: str, limit: int, span: tuple[dt.datetime, dt.datetime]) -> dt.timedelta | None:
    """A receipt-time width expected to hold SLICE_PAGES pages of `q`'s matches; None when
    the statistics cannot tell (a small or never-analysed table) or it would span the archive."""
    share = min(sum(term_share(v) for v in text_variants(q)), 1.0)
    rows = table_rows()
    seconds = (span[1] - span[0]).total_seconds()
    if share <= 0 or rows <= 0 or seconds <= 0:
        return None
    width = SLICE_PAGES * limit * seconds / (share * rows)
    return dt.timedelta(seconds=width) if width < seconds else None


def _ordered(qs: QuerySet[Case], order: tuple[str, str], *, walk: bool) -> QuerySet[Case]:
    if walk:
        return qs.order_by(*order)
    # received_at + 0 orders the same but matches no index: no newest-first walk.
    desc = order[0].startswith("-")
    key = ExpressionWrapper(F("received_at") + Value(dt.timedelta(0)), output_field=DateTimeField())
    return qs.order_by(key.desc() if desc else key.asc(), order[1])


def _from_bitmap(qs: QuerySet[Case], order: tuple[str, str], limit: int, *, q: str, anchor: dt.datetime | None) -> list[Case]:
    """`limit` rows in `order` from the bigram bitmap: first the window next to `anchor` (a
    page cursor's receipt time) or to the newest (oldest, ascending) end of the archive, then,
    if that held less than `limit`, everything beyond it."""
    span = received_span()
    width = _window(q, limit, span) if span else None
    if width is None:
        return list(_ordered(qs, order, walk=False)[:limit])
    desc = order[0].startswith("-")
    edge = anchor or (span[1] if desc else span[0])
    # The window is open on its near side: cases received since the span was cached count.
    far = edge - width if desc else edge + width
    window, rest = (Q(received_at__gte=far), Q(received_at__lt=far)) if desc else (Q(received_at__lt=far), Q(received_at__gte=far))
    rows = list(_ordered(qs.filter(window), order, walk=False)[:limit])
    if len(rows) < limit:
        rows += list(_ordered(qs.filter(rest), order, walk=False)[: limit - len(rows)])
    return rows


def _fetcher(*, user, criteria: Criteria):
    scoped = case_scope_q(user) is not None
    postgres = connection.vendor == "postgresql"
    budgeted = bool(criteria.q) and scoped and postgres
    rare = bool(criteria.q) and postgres and all(term_is_rare(v, scoped=scoped) for v in text_variants(criteria.q))

    def fetch(qs: QuerySet[Case], order: tuple[str, str], limit: int, anchor: dt.datetime | None) -> list[Case]:
        if rare:
            return _from_bitmap(qs, order, limit, q=criteria.q, anchor=anchor)
        if not budgeted:
            return list(_ordered(qs, order, walk=True)[:limit])
        try:
            with transaction.atomic(), connection.cursor() as cur:
                # set_config(..., true) is SET LOCAL with a bound parameter; put back after.
                cur.execute(
                    "SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                    [f"{WALK_BUDGET_MS}ms"],
                )
                previous = cur.fetchone()[0]
                rows = list(_ordered(qs, order, walk=True)[:limit])
                cur.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
                return rows
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "57014":  # query_canceled
                raise
        return _from_bitmap(qs, order, limit, q=criteria.q, anchor=anchor)

    return fetch


def search_page(
    *,
    user,
    criteria: Criteria,
    after: str | None = None,
    before: str | None = None,
    page_size: int = PAGE_SIZE,
    source: str = IdentitySearch.Source.SEARCH,
    base: QuerySet[Case] | None = None,
) -> SearchPage:
    """One page by receipt time (newest first unless `criteria.ascending`), keyset-paged on
    (received_at, id) so page N costs what page 1 costs; counted only when it all fits on one page.
    A personal-data search is recorded (`identity_search_record`) with the cases listed."""
    qs = staff_search(user=user, criteria=criteria, base=base)
    # Only what a result row shows (a case's description can be long; the page needs none of it).
    page_qs = qs.select_related("category", "department").only(*ROW_FIELDS)
    if may_search_identity(user):
        page_qs = page_qs.select_related("petitioner").only(*ROW_FIELDS, *PETITIONER_FIELDS)
    asc = criteria.ascending
    fwd = ("received_at", "pk") if asc else ("-received_at", "-pk")
    back = ("-received_at", "-pk") if asc else ("received_at", "pk")

    def beyond(key, forward: bool):
        d, pk = key
        later = (forward and asc) or (not forward and not asc)
        if later:
            return Q(received_at__gt=d) | Q(received_at=d, pk__gt=pk)
        return Q(received_at__lt=d) | Q(received_at=d, pk__lt=pk)

    fetch = _fetcher(user=user, criteria=criteria)
    after_key, before_key = parse_cursor(after), parse_cursor(before)
    if before_key:
        rows = fetch(page_qs.filter(beyond(before_key, False)), back, page_size + 1, before_key[0])
        has_prev = len(rows) > page_size
        rows = list(reversed(rows[:page_size]))
        has_next = True
    else:
        if after_key:
            page_qs = page_qs.filter(beyond(after_key, True))
        rows = fetch(page_qs, fwd, page_size + 1, after_key[0] if after_key else None)
        has_next = len(rows) > page_size
        rows = rows[:page_size]
        has_prev = after_key is not None
    # No COUNT: on a common term it would walk twenty pages' worth of the same plan to count
    # to a cap. A first page that is not full is the whole answer; otherwise "more than a page".
    whole = not (has_next or has_prev)
    terms = criteria.identity_terms()
    if terms:
        identity_search_record(
            user=user, source=source, terms=terms, result_count=len(rows),
            case_numbers=[c.number for c in rows],
        )
    return SearchPage(
        rows=rows,
        next_cursor=_cursor(rows[-1]) if rows and has_next else None,
        prev_cursor=_cursor(rows[0]) if rows and has_prev else None,
        count=len(rows) if whole else None,
        page_size=page_size,
        identity_terms=terms,
    )


def caller_cases(*, user, phone: str, limit: int = 10) -> tuple[list[Case], bool] | None:
    """The intake form's lookup: the visible cases of whoever has this phone number, newest
    first (number, subject, state, receipt only), and whether there are more. None when
    the number is not complete enough to look up (fewer than 9 digits in national form: every
    Taiwanese number with its area code has 9 or 10), so partial keystrokes query nothing and
    leave no audit row. Audited as a personal-data search (source "intake")."""
    key = phone_key(phone)
    if len(key) < 9 or not may_search_identity(user):
        return None
    # An intake operator's own scope is the cases waiting for dispatch and those they
    # registered; a repeat caller's earlier case is usually with a department by now. The
    # operator has the number already, and the lookup shows no more than the number, subject,
    # state, department and date, so it covers every case of the caller (confidential ones
    # only for those who may reveal them, as in any personal-data search). Rows the user may
    # not open carry `openable = False` and are shown without a link.
    # Whether a row may be opened is a column of the same query, not a second round trip.
    scope = case_scope_q(user)
    if Role.INTAKE in roles_of(user):
        openable = Value(True) if scope is None else ExpressionWrapper(scope, output_field=BooleanField())
        base = Case.objects.annotate(openable=openable)
    else:
        base = cases_visible_to(user).annotate(openable=Value(True))
    page = search_page(
        user=user, criteria=Criteria(phone=key), page_size=limit, source=IdentitySearch.Source.INTAKE, base=base
    )
    return page.rows, page.count is None
