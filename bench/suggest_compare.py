"""Compare category-suggestion methods by measurement (docs/suggest.md).

    # on a loaded database (the bench's, or any casesys database with closed cases)
    BENCH_DATABASE_URL=postgres://…/casesys_bench .venv/bin/python bench/suggest_compare.py --cutoff 2026-06-01
    # on the demo's hand-written texts, leave-one-out (no database)
    .venv/bin/python bench/suggest_compare.py --demo

Methods: `nb` (casesys.suggest.classifier: naive Bayes over character 1-2 grams, plain
Python), `knn-pg` (a nearest-neighbour vote over the cases' bigram column and its GIN index,
in PostgreSQL; database mode only), `knn` (the same vote in Python; demo mode), and, when
scikit-learn is importable (it is not a dependency: run this with an interpreter that has
it), `sk-sgd` (HashingVectorizer char 1-2 grams + SGDClassifier) and `sk-cnb`
(TfidfVectorizer char 1-2 grams + ComplementNB) and `sk-mnb` (binary CountVectorizer + MultinomialNB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import pickle
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))] if s else float("nan")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def evaluate(name: str, predict, test: list[tuple[int, str]], *, timed: int = 500) -> dict:
    top1 = top3 = 0
    times = []
    for i, (truth, text) in enumerate(test):
        t0 = time.perf_counter()
        got = predict(text)
        if i < timed:
            times.append((time.perf_counter() - t0) * 1000)
        top1 += bool(got) and got[0] == truth
        top3 += truth in got[:3]
    n = len(test)
    return {"method": name, "test_cases": n, "top1": round(top1 / n, 3), "top3": round(top3 / n, 3),
            "p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2)}


# --- methods ------------------------------------------------------------------------------


def method_nb(train_rows, **kw):
    from casesys.suggest.classifier import Classifier, TrainingCase, train

    data = train((TrainingCase(i, c, t) for i, c, t in train_rows), **kw)
    model = Classifier(data)
    size = len(Classifier.dumps(data))
    return (lambda text: [p.category_id for p in model.predict(text, 3)]), size


def method_knn_python(train_rows, k: int = 15):
    from casesys.suggest.classifier import features

    rows = [(c, features(t)) for _i, c, t in train_rows]
    index: dict[str, list[int]] = {}
    for j, (_c, f) in enumerate(rows):
        for x in f:
            index.setdefault(x, []).append(j)

    def predict(text: str) -> list[int]:
        q = features(text)
        overlap: Counter = Counter()
        for x in q:
            for j in index.get(x, ()):
                overlap[j] += 1
        votes: Counter = Counter()
        for j, n in overlap.most_common(k):
            votes[rows[j][0]] += n / len(rows[j][1]) ** 0.5
        return [c for c, _ in votes.most_common(3)]

    return predict, None


def method_sklearn(train_rows, kind: str):
    from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.naive_bayes import ComplementNB, MultinomialNB

    texts = [t for _i, _c, t in train_rows]
    y = [c for _i, c, _t in train_rows]
    if kind == "sgd":
        vec = HashingVectorizer(analyzer="char_wb", ngram_range=(1, 2), n_features=2**20, alternate_sign=False)
        clf = SGDClassifier(loss="modified_huber", alpha=1e-5, max_iter=8, tol=None, random_state=0)
    elif kind == "mnb":
        vec = CountVectorizer(analyzer="char_wb", ngram_range=(1, 2), min_df=2, binary=True)
        clf = MultinomialNB(alpha=0.1)
    else:
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        clf = ComplementNB(alpha=0.3)
    x = vec.fit_transform(texts) if kind != "sgd" else vec.transform(texts)
    clf.fit(x, y)
    classes = list(clf.classes_)
    vec.stop_words_ = None  # the pruned terms: only for introspection, not needed to predict
    size = len(pickle.dumps((vec, clf)))

    def predict(text: str) -> list[int]:
        s = clf.decision_function(vec.transform([text])) if kind == "sgd" else clf.predict_log_proba(vec.transform([text]))
        row = list(s[0])
        return [classes[i] for i in sorted(range(len(row)), key=row.__getitem__, reverse=True)[:3]]

    return predict, size


def method_knn_pg(cutoff: dt.datetime, since: dt.datetime, k: int = 15, candidates: int = 400):
    """A vote of the k closed cases sharing the most bigrams with the text, among the
    `candidates` newest that contain its rarest bigrams (GIN index)."""
    from django.db import connection

    from casesys.cases.search import rarest_bigram, text_bigrams

    sql = """
        SELECT category_id, cardinality(ARRAY(SELECT unnest(search_bigrams) INTERSECT SELECT unnest(%s::text[]))) AS shared,
               cardinality(search_bigrams) AS size
        FROM (SELECT category_id, search_bigrams FROM cases_case
              WHERE search_bigrams && %s::text[] AND state = 'closed' AND received_at >= %s AND received_at < %s
              ORDER BY received_at DESC LIMIT %s) c
        ORDER BY shared DESC LIMIT %s
    """

    def predict(text: str) -> list[int]:
        q = text_bigrams(text)
        if not q:
            return []
        rare = []
        left = set(q)
        for _ in range(3):
            if not left:
                break
            r = rarest_bigram(left)
            rare.append(r)
            left.discard(r)
        with connection.cursor() as cur:
            cur.execute(sql, [sorted(q), rare, since, cutoff, candidates, k])
            votes: Counter = Counter()
            for cat, shared, size in cur.fetchall():
                votes[cat] += shared / max(size, 1) ** 0.5
        return [c for c, _ in votes.most_common(3)]

    return predict, None


# --- data ---------------------------------------------------------------------------------


def demo_rows() -> list[tuple[int, int, str]]:
    from casesys.cases.demo_texts import SPOTS, STREETS, TEXTS

    codes = sorted({t.category for t in TEXTS})
    rows = []
    for i, t in enumerate(TEXTS):
        district = sorted(STREETS)[i % len(STREETS)]
        street = STREETS[district][i % 4][0]
        fill = {"street": street, "addr": f"{street}{10 + i}號", "lane": f"{street}{i + 3}巷", "district": district,
                "spot": SPOTS[i % len(SPOTS)]}
        rows.append((i, codes.index(t.category), f"{t.subject.format(**fill)}\n{t.body.format(**fill)}"))
    return rows


def db_rows(cutoff: dt.date, years: int, test_max: int):
    from django.db import connection

    tz = dt.timezone(dt.timedelta(hours=8))
    cut = dt.datetime.combine(cutoff, dt.time(), tz)
    since = cut - dt.timedelta(days=365 * years)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, category_id, subject || E'\\n' || description FROM cases_case "
            "WHERE state = 'closed' AND received_at >= %s AND received_at < %s ORDER BY closed_at DESC, id DESC",
            [since, cut],
        )
        train_rows = cur.fetchall()
        cur.execute(
            "SELECT category_id, subject || E'\\n' || description FROM cases_case "
            "WHERE state = 'closed' AND received_at >= %s ORDER BY id LIMIT %s",
            [cut, test_max],
        )
        test = cur.fetchall()
    return train_rows, test, cut, since


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--cutoff", type=dt.date.fromisoformat)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--methods", default="nb,knn,knn-pg,sk-sgd,sk-cnb")
    args = parser.parse_args()
    methods = args.methods.split(",")
    results = []
    if args.demo:
        rows = demo_rows()
        for name in methods:
            if name == "knn-pg" or (name.startswith("sk-") and not _has_sklearn()):
                continue
            hits1 = hits3 = 0
            for j, (_i, truth, text) in enumerate(rows):
                rest = rows[:j] + rows[j + 1 :]
                predict, _size = _build(name, rest)
                got = predict(text)
                hits1 += bool(got) and got[0] == truth
                hits3 += truth in got[:3]
            results.append({"method": name, "test_cases": len(rows), "top1": round(hits1 / len(rows), 3),
                            "top3": round(hits3 / len(rows), 3)})
    else:
        os.environ.setdefault("DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casesys_bench"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casesys.settings")
        import django

        django.setup()
        t0 = time.perf_counter()
        train_rows, test, cut, since = db_rows(args.cutoff, args.years, args.test)
        print(f"loaded {len(train_rows):,} training and {len(test):,} test cases in {time.perf_counter() - t0:.1f}s", flush=True)
        test = [(c, t) for c, t in test]
        for name in methods:
            if name == "knn" or (name.startswith("sk-") and not _has_sklearn()):
                continue
            gc.collect()
            before = rss_mb()
            t0 = time.perf_counter()
            if name == "knn-pg":
                predict, size = method_knn_pg(cut, since)
            else:
                predict, size = _build(name, train_rows)
            seconds = time.perf_counter() - t0
            grown = rss_mb() - before
            r = evaluate(name, predict, test if name != "knn-pg" else test[:500])
            r.update({"train_s": round(seconds, 1), "rss_growth_mb": round(grown), "stored_bytes": size})
            print(r, flush=True)
            results.append(r)
            del predict
    for r in results:
        print(r)
    return 0


def _has_sklearn() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def _build(name: str, rows):
    if name == "nb":
        return method_nb(rows)
    if name.startswith("nb-"):
        kind, alpha = name.split("-")[1:]
        return method_nb(rows, kind=kind, alpha=float(alpha))
    if name == "knn":
        return method_knn_python(rows)
    if name == "sk-sgd":
        return method_sklearn(rows, "sgd")
    if name == "sk-cnb":
        return method_sklearn(rows, "cnb")
    if name == "sk-mnb":
        return method_sklearn(rows, "mnb")
    raise SystemExit(f"unknown method {name}")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    raise SystemExit(main())
