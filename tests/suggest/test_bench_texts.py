"""The bench generator's texts carry the category signal (bench/generate.py, version 4)."""

from __future__ import annotations

from bench.generate import leaf_words
from bench.vocab import SUB_WORDS


def test_sub_category_words_are_deterministic_and_leave_main_categories_alone():
    subject, description = "中山路路燈不亮", "中山路1號附近路燈不亮，民眾反映。"
    assert leaf_words("CS-1140101-00001", "LIGHT", subject, description) == (subject, description)
    first = leaf_words("CS-1140101-00001", "LIGHT-04", subject, description)
    assert first == leaf_words("CS-1140101-00001", "LIGHT-04", subject, description)


def test_three_cases_in_four_of_a_sub_category_carry_one_of_its_words():
    carried = 0
    n = 2000
    for i in range(n):
        number = f"CS-1140101-{i:05d}"
        subject, description = leaf_words(number, "ROAD-04", "道路坑洞", "道路坑洞，民眾反映。")
        if description != "道路坑洞，民眾反映。":
            carried += 1
            word = description.removeprefix("道路坑洞，民眾反映").strip("，。")
            assert word in SUB_WORDS[3], word
            assert description.endswith("。")
            assert subject in ("道路坑洞", f"{word}道路坑洞")
    assert 0.7 < carried / n < 0.8
