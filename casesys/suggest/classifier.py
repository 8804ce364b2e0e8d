"""The category classifier: naive Bayes over character 1-2 grams, in plain Python.

No Django and no third-party package here: `train` counts, `Classifier` scores. Chosen by
measurement over a nearest-neighbour vote in PostgreSQL and scikit-learn's linear models
(docs/suggest.md): as accurate on the agency's texts, a few milliseconds a suggestion, and
no numpy/scipy in the web processes.

Features are what a Chinese complaint is made of: the overlapping 2-character pieces and
the single characters of each run of Han (or other non-Latin) letters, and whole words of
Latin text (English e-mails), lower-cased; digits and punctuation split runs and are
dropped (house numbers say nothing about the category).

Scoring is multinomial naive Bayes with binary counts (a feature counts once per case),
kept sparse: with N_tc the cases of class c having feature t, N_c = Σ_t N_tc and V the
vocabulary,

    log P(c) + Σ_{t∈q} log((N_tc + α) / (N_c + αV))
  = log P(c) − m·log(N_c + αV) + Σ_{t∈q, N_tc>0} log(1 + N_tc / α) + m·log α

for the m known features of the query q; the last term is the same for every class and
dropped. So a suggestion adds up a handful of (class, weight) pairs per feature: a few
milliseconds for a letter. Naive Bayes is over-confident; the scores are divided by a
temperature fitted on held-out cases, so that "80 % confident" is right about 80 % of the
time (the mailbox pre-selects only above a threshold).
"""

from __future__ import annotations

import heapq
import json
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

FORMAT = 1
# Runs of Latin letters (words), or runs of other letters (Han, kana…): digits, punctuation
# and spaces separate them.
_RUNS = re.compile(r"[a-z]+|[^\W\d_a-z]+")
# Held out (at most) to fit the temperature of the probabilities.
CALIBRATION_CASES = 2000
# Recent closed cases kept per category to explain a suggestion ("similar past cases").
EXEMPLARS_PER_CLASS = 30
TEMPERATURES = (1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 65, 80, 100)


def features(text: str) -> set[str]:
    """The distinct features of a text (see the module's docstring)."""
    out: set[str] = set()
    for run in _RUNS.findall((text or "").lower()):
        if run.isascii():
            if len(run) >= 2:
                out.add(run)
            continue
        out.update(run)
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


@dataclass(frozen=True)
class TrainingCase:
    case_id: int
    category_id: int
    text: str
    # May be shown to staff as a similar past case (never a confidential one).
    showable: bool = True


@dataclass(frozen=True)
class Prediction:
    category_id: int
    probability: float
    # Closed cases of this category the model learned from.
    cases: int = 0
    # The case ids of the most similar exemplars of this category, best first.
    similar: tuple[int, ...] = ()


class _Counts:
    """Per-class feature counts (binary per case): additive, so a held-out part can be
    scored by a model of the rest and then added in."""

    def __init__(self) -> None:
        self.by_feature: dict[str, Counter] = defaultdict(Counter)
        self.cases: Counter = Counter()

    def add(self, klass: int, feats: set[str]) -> None:
        self.cases[klass] += 1
        by_feature = self.by_feature
        for f in feats:
            by_feature[f][klass] += 1

    def merge(self, other: _Counts) -> None:
        self.cases.update(other.cases)
        for f, counter in other.by_feature.items():
            self.by_feature[f].update(counter)


def _weights(counts: _Counts, classes: list[int], *, alpha: float, min_cases: int, kind: str) -> dict:
    """Per-class constants and sparse per-feature weights: score_c = base_c + m·coef_c + Σ w_tc."""
    index = {c: i for i, c in enumerate(classes)}
    vocab = {f: ctr for f, ctr in counts.by_feature.items() if sum(ctr.values()) >= min_cases}
    per_class = [0] * len(classes)
    for ctr in vocab.values():
        for c, n in ctr.items():
            per_class[index[c]] += n
    v = len(vocab)
    if kind == "mnb":
        total = sum(counts.cases.values())
        base = [math.log(counts.cases[c] / total) for c in classes]
        coef = [-math.log(per_class[i] + alpha * v) for i in range(len(classes))]
        postings = {
            f: [(index[c], round(math.log1p(n / alpha), 4)) for c, n in sorted(ctr.items())] for f, ctr in vocab.items()
        }
    else:
        # Complement naive Bayes: each class scored by how unlike the *other* classes the text
        # is; steadier than the plain kind when categories differ much in size.
        everything = sum(per_class)
        base = [0.0] * len(classes)
        coef = [math.log(everything - per_class[i] + alpha * v) for i in range(len(classes))]
        postings = {}
        for f, ctr in vocab.items():
            n_t = sum(ctr.values()) + alpha
            postings[f] = [(index[c], round(-math.log1p(-n / n_t), 4)) for c, n in sorted(ctr.items())]
    return {"kind": kind, "prior": base, "norm": coef, "postings": postings}


class Classifier:
    """A trained model: `predict(text)` gives the likeliest categories."""

    def __init__(self, data: dict):
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown suggestion model format {data.get('format')!r}")
        self.classes: list[int] = data["classes"]
        self.prior: list[float] = data["prior"]
        self.norm: list[float] = data["norm"]
        self.postings: dict[str, list] = data["postings"]
        self.temperature: float = data.get("temperature", 1.0)
        self.class_cases: list[int] = data.get("class_cases", [0] * len(self.classes))
        self.exemplars: dict[int, list] = {int(k): v for k, v in data.get("exemplars", {}).items()}
        self.meta: dict = data.get("meta", {})

    # -- scoring ------------------------------------------------------------------------

    def scores(self, feats: set[str]) -> list[float]:
        postings = self.postings
        known = [postings[f] for f in feats if f in postings]
        m = len(known)
        s = [p + m * n for p, n in zip(self.prior, self.norm, strict=True)]
        for plist in known:
            for c, w in plist:
                s[c] += w
        return s

    def probabilities(self, scores: list[float], temperature: float | None = None) -> list[float]:
        t = temperature or self.temperature
        top = max(scores)
        ex = [math.exp((x - top) / t) for x in scores]
        z = sum(ex)
        return [x / z for x in ex]

    def predict(self, text: str, k: int = 3, *, explain: int = 0) -> list[Prediction]:
        """The k likeliest categories, best first; `explain`: that many similar exemplars each."""
        feats = features(text)
        if not feats or not self.classes:
            return []
        s = self.scores(feats)
        if not any(f in self.postings for f in feats):
            return []
        probs = self.probabilities(s)
        best = heapq.nlargest(k, range(len(s)), key=s.__getitem__)
        return [
            Prediction(self.classes[i], probs[i], self.class_cases[i], self._similar(i, feats, explain) if explain else ())
            for i in best
        ]

    def _similar(self, klass: int, feats: set[str], n: int) -> tuple[int, ...]:
        """Exemplars of the class sharing the most class-typical features with the text."""
        weight = {}
        for f in feats:
            for c, w in self.postings.get(f, ()):
                if c == klass:
                    weight[f] = w
                    break
        ranked = []
        for case_id, efeats in self.exemplars.get(klass, ()):
            score = sum(weight.get(f, 0.0) for f in efeats)
            if score > 0:
                ranked.append((score, case_id))
        ranked.sort(key=lambda r: (-r[0], -r[1]))
        return tuple(case_id for _score, case_id in ranked[:n])

    # -- storage ------------------------------------------------------------------------

    @staticmethod
    def dumps(data: dict) -> bytes:
        return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 6)

    @classmethod
    def loads(cls, blob: bytes) -> Classifier:
        return cls(json.loads(zlib.decompress(bytes(blob))))


def train(
    cases: Iterable[TrainingCase],
    *,
    alpha: float = 0.1,
    min_cases: int = 2,
    kind: str = "cnb",
    exemplars: int = EXEMPLARS_PER_CLASS,
    calibrate: bool = True,
) -> dict:
    """Count features per category and derive the model's data (see `Classifier`).

    `cases` newest first: the first `exemplars` showable cases of each category are kept to
    explain suggestions. Every 20th case (up to CALIBRATION_CASES) is first held out: a model
    of the others scores it to fit the temperature, then its counts are added in.
    """
    main, held = _Counts(), _Counts()
    held_out: list[tuple[int, set[str]]] = []
    kept: dict[int, list] = defaultdict(list)
    n = 0
    for case in cases:
        feats = features(case.text)
        if not feats:
            continue
        n += 1
        if case.showable and len(kept[case.category_id]) < exemplars:
            kept[case.category_id].append([case.case_id, sorted(feats)])
        if calibrate and n % 20 == 0 and len(held_out) < CALIBRATION_CASES:
            held.add(case.category_id, feats)
            held_out.append((case.category_id, feats))
        else:
            main.add(case.category_id, feats)
    classes = sorted(set(main.cases) | set(held.cases))
    if not classes:
        return {"format": FORMAT, "classes": [], "prior": [], "norm": [], "postings": {}, "exemplars": {}, "meta": {"cases": 0}}
    temperature = 1.0
    if held_out and len(classes) > 1:
        temperature = _fit_temperature(main, classes, held_out, alpha=alpha, min_cases=min_cases, kind=kind)
    main.merge(held)
    data = _weights(main, classes, alpha=alpha, min_cases=min_cases, kind=kind)
    index = {c: i for i, c in enumerate(classes)}
    return {
        "format": FORMAT,
        "classes": classes,
        **data,
        "temperature": temperature,
        "class_cases": [main.cases[c] for c in classes],
        "exemplars": {str(index[c]): rows for c, rows in kept.items() if c in index},
        "meta": {"cases": n, "features": len(data["postings"]), "alpha": alpha, "calibration_cases": len(held_out)},
    }


def _fit_temperature(counts: _Counts, classes: list[int], held_out, *, alpha: float, min_cases: int, kind: str) -> float:
    """The temperature minimising the held-out log loss (a grid: cheap and robust)."""
    provisional = Classifier({"format": FORMAT, "classes": classes, **_weights(counts, classes, alpha=alpha, min_cases=min_cases, kind=kind)})
    index = {c: i for i, c in enumerate(classes)}
    scored = [(index[c], provisional.scores(feats)) for c, feats in held_out]
    best, best_loss = 1.0, math.inf
    for t in TEMPERATURES:
        loss = 0.0
        for truth, s in scored:
            top = max(s)
            z = sum(math.exp((x - top) / t) for x in s)
            loss -= (s[truth] - top) / t - math.log(z)
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best
