"""Diffs readable for Chinese (characters) and English (words)."""

from __future__ import annotations

import random
import time

import pytest

from app.documents.diff import diff_texts, side_by_side, tokenize
from bench import dos_inputs


def changed(result):
    return [(c.op, c.old, c.new) for c in result.changes if c.op != "equal"]


def test_tokens_keep_codes_and_words_whole():
    assert tokenize("X200 馬達 B2311-07 overheats.") == ["X200", " ", "馬", "達", " ", "B2311-07", " ",
                                                         "overheats", "."]


def test_chinese_changes_are_per_character():
    result = diff_texts("鎖附扭力為 1.2 N·m，散熱方式為自然對流。", "鎖附扭力為 1.5 N·m，散熱方式為強制風冷。")
    ops = changed(result)
    assert ("replace", "1.2", "1.5") in ops
    assert ("replace", "自然對流", "強制風冷") in ops
    assert all(len(old) <= 4 for _, old, _ in ops)


def test_english_changes_are_per_word():
    result = diff_texts("The motor overheats quickly in summer.", "The motor overheats slowly in summer.")
    assert changed(result) == [("replace", "quickly", "slowly")]
    assert result.inserted == len("slowly") and result.deleted == len("quickly")


def test_unchanged_lines_stay_equal_and_added_lines_are_inserts():
    result = diff_texts("a\nb\nc\n", "a\nb\nnew line\nc\n")
    assert changed(result) == [("insert", "", "new line\n")]


def test_both_sides_are_reproduced_exactly():
    rng = random.Random(7)
    alphabet = list("產品質量问题分析报告 X200 motor overheats\n，。") + ["B2311", "torque "]
    for _ in range(200):
        old = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        new = list(old)
        for _ in range(rng.randint(0, 6)):
            pos = rng.randint(0, len(new))
            new[pos:pos + rng.randint(0, 3)] = rng.choice(alphabet)
        new = "".join(new)
        result = diff_texts(old, new)
        assert "".join(c.old for c in result.changes if c.op != "insert") == old
        assert "".join(c.new for c in result.changes if c.op != "delete") == new
        assert result.inserted == sum(len(c.new) for c in result.changes if c.op in ("insert", "replace"))
        assert all(c.old or c.new for c in result.changes)


def test_side_by_side_rows_follow_lines():
    rows = side_by_side(diff_texts("一\n二\n三", "一\n貳\n三"))
    assert len(rows) == 3
    left, right = rows[1]
    assert [c.op for c in left] == ["replace"] and left[0].old == "二"
    assert right[0].new == "貳"


def test_as_dict_shape():
    body = diff_texts("a", "b").as_dict(1, 2)
    assert body == {"from": 1, "to": 2, "changes": [{"op": "replace", "old": "a", "new": "b"}],
                    "stats": {"inserted": 1, "deleted": 1}, "partial": False}


@pytest.mark.parametrize("make", [dos_inputs.short_lines, dos_inputs.one_paragraph, dos_inputs.scattered_words])
def test_the_worst_known_inputs_are_compared_in_bounded_time(make):
    """difflib took 8.9 s (8,000 short lines) and 21.7 s (56 KB paragraph,
    one word changed); the comparison now stops at its deadline."""
    old, new = make()
    started = time.perf_counter()
    result = diff_texts(old, new, timeout_s=0.1)
    assert time.perf_counter() - started < 2.0
    # Whatever was cut short, the changes still rebuild both texts.
    assert "".join(c.old for c in result.changes) == old
    assert "".join(c.new for c in result.changes) == new


def test_a_comparison_cut_short_says_so():
    old, new = dos_inputs.short_lines()
    assert diff_texts(old, new, timeout_s=0.01).partial
    small = diff_texts("a\nb\n", "a\nc\n", timeout_s=1.0)
    assert not small.partial and changed(small) == [("replace", "b", "c")]


def test_one_changed_word_in_a_long_paragraph_is_found_exactly():
    old, new = dos_inputs.one_paragraph()
    # A generous deadline: this is about exactness, not speed (bench/dos_bench.py measures that),
    # and a loaded CI machine must not turn it into a partial result.
    result = diff_texts(old, new, timeout_s=10)
    assert not result.partial
    assert [op for op, _, _ in changed(result)] == ["replace"]
    assert changed(result)[0][2] == "changed"
