"""Relevance on the evaluation set, and the analyzer's behaviour."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

from app.search.analysis import analyzer, fold
from app.search.index import SCHEMA
from app.search.service import parse
from tests.search_eval.data import DOCS, QUERIES


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    ix = whoosh_index.create_in(str(tmp_path_factory.mktemp("eval")), SCHEMA)
    with ix.writer() as writer:
        for key, text in DOCS.items():
            writer.add_document(key=key, kind="document", title=text[:12], body=text)
    with ix.searcher() as s:
        yield s


def test_recall_at_10_on_the_evaluation_set(searcher):
    assert len(QUERIES) >= 30
    found = expected = 0
    misses = []
    for query, wanted in QUERIES:
        hits = {hit["key"] for hit in searcher.search(parse(query), limit=10)}
        found += len(wanted & hits)
        expected += len(wanted)
        if wanted - hits:
            misses.append((query, sorted(wanted - hits)))
    recall = found / expected
    assert recall >= 0.95, (recall, misses)


def test_every_script_finds_the_other(searcher):
    for query in ("產品質量", "产品质量"):
        hits = {hit["key"] for hit in searcher.search(parse(f'"{query}"'), limit=10)}
        assert {"t2", "s1"} <= hits


def test_a_two_character_word_inside_a_sentence(searcher):
    hits = {hit["key"] for hit in searcher.search(parse("質量"), limit=10)}
    assert "t2" in hits  # 產品質量問題統計


def test_codes_match_exactly_not_by_prefix(searcher):
    assert {hit["key"] for hit in searcher.search(parse("X20"), limit=10)} == set()
    assert {hit["key"] for hit in searcher.search(parse("x300"), limit=10)} >= {"t6", "e1"}


def test_fold_keeps_length_and_folds_full_width():
    text = "產品質量ＸＹＺ１２３　說明書"
    assert len(fold(text)) == len(text)
    assert fold(text) == "产品质量XYZ123 说明书"


def test_tokens_point_at_the_original_text():
    text = "X200 馬達過熱"
    tokens = [(t.text, text[t.startchar:t.endchar]) for t in analyzer()(text, chars=True)]
    assert ("马达", "馬達") in tokens and ("过热", "過熱") in tokens and ("x200", "X200") in tokens


def test_line_breaks_inside_chinese_do_not_split_words():
    texts = [t.text for t in analyzer()("客戶投訴三\n次", mode="index")]
    assert "三次" in texts
