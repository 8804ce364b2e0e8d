"""The category classifier: naive Bayes over character 1-2 grams, in plain Python.

No Django and no third-party package here: `train` counts, `Classifier` scores. Chosen by
measurement over a nearest-neighbour vote in PostgreSQL and scikit-learn's linear models
(docs/suggest.md): within 2 points of the most accurate, a few milliseconds a suggestion,
and no numpy/scipy in the web processes.

Features are what a Chinese complaint is made of: the overlapping 2-character pieces and
the single characters of each run of Han (or other non-Latin) letters, and whole words of
Latin text (English e-mails), lower-cased; digits and punctuation split runs and are
dropped (house numbers say nothing about the category).

Counts are binary (a feature counts once per case). With N_tc the cases of class c having
feature t, N_c = Σ_t N_tc, N_t = Σ_c N_tc, N̄_c = Σ_t N_t − N_c and V the vocabulary, a text
with m known features q scores, up to a constant,

    plain ("mnb"):       log P(c) − m·log(N_c + αV) + Σ_{t∈q, N_tc>0} log(1 + N_tc / α)
    complement ("cnb"):           m·log(N̄_c + αV) − Σ_{t∈q, N_tc>0} log(1 − N_tc / (N_t + α))

both sparse: a suggestion adds up a handful of (class, weight) pairs per feature, a few
milliseconds for a letter. Training holds out every 20th case (up to 2,000), scores it with
both kinds built from the rest and keeps the kind right more often (the plain kind wins with
many cases a category, the complement kind with few); the same cases fit the temperature
that turns scores into probabilities (minimising their log loss: naive Bayes alone is far
over-confident), which the mailbox's pre-selection threshold is compared with. Then their counts are added in.
"""

from __future__ import annotations

import base64
import heapq
import json
import math
import re
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import add

FORMAT = 1
# Runs of Latin letters (words), or runs of other letters (Han, kana…): digits, punctuation
# and spaces separate them.
_RUNS = re.compile(r"[a-z]+|[^\W\d_a-z]+")
# Held out (at most) to choose the kind of naive Bayes and fit the probabilities' temperature.
CALIBRATION_CASES = 2000
# Fewer held-out cases than this: no vote, the complement kind.
MIN_HELD_OUT_TO_CHOOSE = 100
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
        out.update(map(add, run, run[1:]))
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
    """Cases per (feature, class) (binary per case), in one flat counter (its update runs in
    C), and cases per class. Additive: a held-out part can be scored by a model of the rest
    and then added in."""

    def __init__(self) -> None:
        self.pairs: Counter = Counter()
        self.cases: Counter = Counter()

    def add(self, klass: int, feats: set[str]) -> None:
        self.cases[klass] += 1
        self.pairs.update(zip(feats, repeat(klass)))

    def merge(self, other: _Counts) -> None:
        self.cases.update(other.cases)
        self.pairs.update(other.pairs)

    def by_feature(self) -> dict[str, list[tuple[int, int]]]:
        grouped: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (f, c), n in self.pairs.items():
            grouped[f].append((c, n))
        return grouped


def _weights(counts: _Counts, classes: list[int], *, alpha: float, min_cases: int, kind: str) -> dict:
    """Per-class constants and sparse per-feature weights: score_c = base_c + m·coef_c + Σ w_tc.

    The weights are packed: `features` (sorted), and for feature i its postings at
    `offsets[i]:offsets[i+1]` of `post_c` (class index, uint16) and `post_w` (float32) — a few
    bytes a posting in memory, where Python tuples would take a hundred.
    """
    index = {c: i for i, c in enumerate(classes)}
    grouped = counts.by_feature()
    totals = {f: sum(n for _c, n in postings) for f, postings in grouped.items()}
    vocab = sorted(f for f, total in totals.items() if total >= min_cases)
    per_class = [0] * len(classes)
    for f in vocab:
        for c, n in grouped[f]:
            per_class[index[c]] += n
    v = len(vocab)
    post_c, post_w, offsets = array("H"), array("f"), array("I", [0])
    if kind == "mnb":
        total = sum(counts.cases.values())
        base = [math.log(counts.cases[c] / total) for c in classes]
        coef = [-math.log(per_class[i] + alpha * v) for i in range(len(classes))]
    else:
        # Complement naive Bayes: each class scored by how unlike the *other* classes the text
        # is; steadier than the plain kind when categories differ much in size.
        everything = sum(per_class)
        base = [0.0] * len(classes)
        coef = [math.log(everything - per_class[i] + alpha * v) for i in range(len(classes))]
    for f in vocab:
        n_t = totals[f] + alpha
        for c, n in sorted(grouped[f]):
            post_c.append(index[c])
            post_w.append(math.log1p(n / alpha) if kind == "mnb" else -math.log1p(-n / n_t))
        offsets.append(len(post_c))
    return {"kind": kind, "prior": base, "norm": coef, "features": vocab, "offsets": offsets, "post_c": post_c, "post_w": post_w}


_PACKED = {"offsets": "I", "post_c": "H", "post_w": "f"}


def _unpack(value, code: str) -> array:
    if isinstance(value, array):
        return value
    packed = array(code)
    packed.frombytes(base64.b64decode(value))
    return packed


class Classifier:
    """A trained model: `predict(text)` gives the likeliest categories."""

    def __init__(self, data: dict):
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown suggestion model format {data.get('format')!r}")
        self.classes: list[int] = data["classes"]
        self.prior: list[float] = data["prior"]
        self.norm: list[float] = data["norm"]
        self.vocab: dict[str, int] = {f: i for i, f in enumerate(data.get("features", ()))}
        self.offsets, self.post_c, self.post_w = (_unpack(data.get(k, b""), code) for k, code in _PACKED.items())
        if len(self.offsets) != len(self.vocab) + 1 and self.vocab:
            raise ValueError("suggestion model: postings do not match the features")
        self.temperature: float = data.get("temperature", 1.0)
        self.class_cases: list[int] = data.get("class_cases", [0] * len(self.classes))
        # class index → [(case id, feature indices)]
        self.exemplars: dict[int, list] = {int(k): v for k, v in data.get("exemplars", {}).items()}
        self.meta: dict = data.get("meta", {})

    def _postings(self, i: int):
        a, b = self.offsets[i], self.offsets[i + 1]
        return zip(self.post_c[a:b], self.post_w[a:b], strict=True)

    # -- scoring ------------------------------------------------------------------------

    def scores(self, known: list[int]) -> list[float]:
        m = len(known)
        s = [p + m * n for p, n in zip(self.prior, self.norm, strict=True)]
        for i in known:
            for c, w in self._postings(i):
                s[c] += w
        return s

    def known(self, feats: set[str]) -> list[int]:
        vocab = self.vocab
        return [vocab[f] for f in feats if f in vocab]

    def probabilities(self, scores: list[float], temperature: float | None = None) -> list[float]:
        t = temperature or self.temperature
        top = max(scores)
        ex = [math.exp((x - top) / t) for x in scores]
        z = sum(ex)
        return [x / z for x in ex]

    def predict(self, text: str, k: int = 3, *, explain: int = 0) -> list[Prediction]:
        """The k likeliest categories, best first; `explain`: that many similar exemplars each."""
        known = self.known(features(text))
        if not known or not self.classes:
            return []
        s = self.scores(known)
        probs = self.probabilities(s)
        best = heapq.nlargest(k, range(len(s)), key=s.__getitem__)
        return [
            Prediction(self.classes[i], probs[i], self.class_cases[i], self._similar(i, known, explain) if explain else ())
            for i in best
        ]

    def _similar(self, klass: int, known: list[int], n: int) -> tuple[int, ...]:
        """Exemplars of the class sharing the most class-typical features with the text."""
        weight = {}
        for i in known:
            for c, w in self._postings(i):
                if c == klass:
                    weight[i] = w
                    break
        ranked = []
        for case_id, efeats in self.exemplars.get(klass, ()):
            score = sum(weight.get(i, 0.0) for i in efeats)
            if score > 0:
                ranked.append((score, case_id))
        ranked.sort(key=lambda r: (-r[0], -r[1]))
        return tuple(case_id for _score, case_id in ranked[:n])

    # -- storage ------------------------------------------------------------------------

    @staticmethod
    def dumps(data: dict) -> bytes:
        plain = {k: base64.b64encode(v.tobytes()).decode() if isinstance(v, array) else v for k, v in data.items()}
        return zlib.compress(json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode(), 6)

    @classmethod
    def loads(cls, blob: bytes) -> Classifier:
        return cls(json.loads(zlib.decompress(bytes(blob))))


def train(
    cases: Iterable[TrainingCase],
    *,
    alpha: float = 0.1,
    min_cases: int = 2,
    kind: str = "auto",
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
            kept[case.category_id].append((case.case_id, feats))
        if calibrate and n % 20 == 0 and len(held_out) < CALIBRATION_CASES:
            held.add(case.category_id, feats)
            held_out.append((case.category_id, feats))
        else:
            main.add(case.category_id, feats)
    classes = sorted(set(main.cases) | set(held.cases))
    if not classes:
        return {"format": FORMAT, "classes": [], "prior": [], "norm": [], "features": [], "exemplars": {}, "meta": {"cases": 0}}
    temperature, accuracy = 1.0, {}
    if held_out and len(classes) > 1:
        kind, temperature, accuracy = _choose(main, classes, held_out, alpha=alpha, min_cases=min_cases, kind=kind)
    elif kind == "auto":
        kind = "cnb"
    main.merge(held)
    data = _weights(main, classes, alpha=alpha, min_cases=min_cases, kind=kind)
    index = {c: i for i, c in enumerate(classes)}
    position = {f: i for i, f in enumerate(data["features"])}

    def indices(feats: set[str]) -> list[int]:
        return sorted(position[f] for f in feats if f in position)

    return {
        "format": FORMAT,
        "classes": classes,
        **data,
        "temperature": temperature,
        "class_cases": [main.cases[c] for c in classes],
        "exemplars": {str(index[c]): [[pk, indices(f)] for pk, f in rows] for c, rows in kept.items() if c in index},
        "meta": {
            "cases": n, "features": len(data["features"]), "alpha": alpha, "kind": kind,
            "held_out": len(held_out), "held_out_top1": accuracy,
        },
    }


def _choose(counts: _Counts, classes: list[int], held_out, *, alpha: float, min_cases: int, kind: str) -> tuple[str, float, dict]:
    """The kind (plain or complement naive Bayes) right most often on the held-out cases, and
    the temperature minimising their log loss (a grid: cheap and robust).

    With few held-out cases (a small agency, the tests) the complement kind is taken without
    a vote: it is the steadier of the two on little data (docs/suggest.md)."""
    index = {c: i for i, c in enumerate(classes)}
    if kind == "auto":
        kinds = ["mnb", "cnb"] if len(held_out) >= MIN_HELD_OUT_TO_CHOOSE else ["cnb"]
    else:
        kinds = [kind]
    best = None
    accuracy = {}
    for k in kinds:
        provisional = Classifier({"format": FORMAT, "classes": classes, **_weights(counts, classes, alpha=alpha, min_cases=min_cases, kind=k)})
        scored = [(index[c], provisional.scores(provisional.known(feats))) for c, feats in held_out]
        right = sum(1 for truth, s in scored if s[truth] == max(s))
        accuracy[k] = round(right / len(scored), 4)
        if best is None or right > best[1]:
            best = (k, right, scored)
    chosen, _right, scored = best
    temperature, best_loss = 1.0, math.inf
    for t in TEMPERATURES:
        loss = 0.0
        for truth, s in scored:
            top = max(s)
            z = sum(math.exp((x - top) / t) for x in s)
            loss -= (s[truth] - top) / t - math.log(z)
        if loss < best_loss:
            temperature, best_loss = float(t), loss
    return chosen, temperature, accuracy
