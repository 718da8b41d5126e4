"""Search snippets (issue 18): no Markdown syntax, never the same text in
two fragments, every hit inside a fragment marked."""

from __future__ import annotations

import re

from app.search import highlight
from app.search.service import parse


def snippets(text: str, q: str) -> list[str]:
    runs, words = highlight.query_terms(parse(q))
    return highlight.fragments(text, runs, words)


def unmarked(fragment: str) -> str:
    return re.sub(r"</?mark>", "", fragment).strip("… ")


def test_headings_lose_their_hash_however_indented():
    text = "Intro\n\n    # Fan noise\n\nThe fan is loud.\n\n  ## Fan speed\n\n#\tFan curve\n"
    found = snippets(text, "fan")
    assert found and not any("#" in f for f in found), found


def test_fragments_never_repeat_text():
    text = "過熱 " + "甲" * 70 + "過熱 " + "乙" * 70 + "過熱 " + "丙" * 200 + "過熱"
    found = [unmarked(f) for f in snippets(text, "过热")]
    assert len(found) >= 2
    for i, first in enumerate(found):
        for second in found[i + 1 :]:
            shared = {first[k : k + 12] for k in range(len(first) - 11)} & {
                second[k : k + 12] for k in range(len(second) - 11)
            }
            assert not shared, (first, second)


def test_every_hit_inside_a_fragment_is_marked():
    text = "# 過熱處理\n\nX200 過熱時請先關機。" + "說明文字" * 20 + "\n\n## 過熱原因\n\n過熱可能因為風扇故障。"
    for fragment in snippets(text, "過熱"):
        assert unmarked(fragment).count("過熱") == fragment.count("<mark>過熱</mark>"), fragment
