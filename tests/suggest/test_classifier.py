"""The classifier alone (no database): features, ranking, explanation, storage."""

from __future__ import annotations

from casesys.suggest.classifier import Classifier, TrainingCase, features, train
from tests.suggest.complaints import TRAINING, UNSEEN

CODES = sorted(TRAINING)


def _model(**kw) -> Classifier:
    rows, n = [], 0
    for code, items in TRAINING.items():
        for subject, description in items:
            n += 1
            rows.append(TrainingCase(n, CODES.index(code), f"{subject}\n{description}"))
    return Classifier(train(rows, **kw))


def test_features_are_han_bigrams_and_characters_and_latin_words_without_digits():
    f = features("中正路 120 號路燈不亮 Street LIGHT out!")
    assert {"路燈", "燈不", "不亮", "路", "燈", "street", "light", "out"} <= f
    assert not any(ch.isdigit() for x in f for ch in x)
    assert "號路" in f and "路號" not in f
    assert features("") == set() and features("123 !!") == set()


def test_each_unseen_complaint_gets_its_category_first():
    model = _model()
    for code, subject, description in UNSEEN:
        got = model.predict(f"{subject}\n{description}", 3)
        assert len(got) == 3
        assert CODES[got[0].category_id] == code, (subject, [CODES[p.category_id] for p in got])
        assert got[0].probability > got[1].probability >= got[2].probability
        assert 0 < sum(p.probability for p in got) <= 1.0001


def test_explanation_names_similar_cases_of_the_suggested_category():
    model = _model()
    got = model.predict("信義路路燈壞了，晚上很暗", 1, explain=2)
    # Case ids 1-7 are the street-light complaints (in TRAINING's order).
    assert got[0].similar and set(got[0].similar) <= set(range(1, 8))


def test_no_known_feature_means_no_suggestion():
    model = _model()
    assert model.predict("12345 !!!", 3) == []
    assert model.predict("", 3) == []


def test_stored_form_round_trips_and_is_json_not_pickle():
    rows = [TrainingCase(i, i % 2, "路燈不亮" if i % 2 else "坑洞積水") for i in range(40)]
    data = train(rows)
    blob = Classifier.dumps(data)
    import json
    import zlib

    assert json.loads(zlib.decompress(blob))["format"] == 1
    again = Classifier.loads(blob)
    assert again.predict("路燈", 1)[0].category_id == 1
    assert again.predict("坑洞", 1)[0].category_id == 0
