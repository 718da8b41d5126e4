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


def test_recall_at_10_through_the_array_executor(searcher):
    """The service's execution path (app.search.executor), not Whoosh's
    collector, finds every expected document in its top 10."""
    from app.search import executor

    executor.clear_caches()
    found = expected = 0
    misses = []
    for query, wanted in QUERIES:
        page = executor.run(searcher, parse(query), [], facets=("kind",), page=1, per_page=10, sort_by_date=False)
        hits = {searcher.stored_fields(docnum)["key"] for docnum in page.docnums}
        found += len(wanted & hits)
        expected += len(wanted)
        if wanted - hits:
            misses.append((query, sorted(wanted - hits)))
    assert found / expected == 1.0, misses


def test_executor_counts_and_pages_like_whoosh(searcher):
    from app.search import executor

    for query in ("过热", "X200", '"產品質量"', "熱", "overheating"):
        q = parse(query)
        whoosh_keys = {hit["key"] for hit in searcher.search(q, limit=None)}
        page = executor.run(searcher, q, [], facets=("kind",), page=1, per_page=100, sort_by_date=False)
        assert page.total == len(whoosh_keys) and page.total_exact, query
        assert {searcher.stored_fields(d)["key"] for d in page.docnums} == whoosh_keys, query
        assert page.facets["kind"] == {"document": len(whoosh_keys)} if whoosh_keys else {}


def test_other_scripts_are_tokens():
    def texts(value):
        return [t.text for t in analyzer()(value, mode="query")]

    assert texts("こんにちは") == ["こん", "んに", "にち", "ちは"]
    assert texts("안녕하세요") == ["안녕", "녕하", "하세", "세요"]
    assert texts("Привет, мир") == ["привет", "мир"]
    assert texts("Καλημέρα") == ["καλημερα"]
    assert texts("สวัสดี")[:2] == ["สว", "วั"]
    assert texts("Café crème") == texts("cafe creme") == ["cafe", "creme"]


def test_nfkc_before_tokenizing():
    # A ligature, half-width katakana and full-width letters fold to their plain forms.
    assert [t.text for t in analyzer()("ﬁrmware ﾃｽﾄ ＡＢＣ", mode="query")] == \
        [t.text for t in analyzer()("firmware テスト ABC", mode="query")]


def test_english_stemming_joins_verb_and_noun():
    def stem_of(word):
        return [t.text for t in analyzer()(word)]

    assert stem_of("calibrating") == stem_of("calibration") == stem_of("calibrated") == stem_of("calibrate")
    assert stem_of("overheating") == stem_of("overheated") == stem_of("overheat") == stem_of("overheats")


def test_indexing_shortcut_yields_what_the_analyzer_yields():
    from collections import defaultdict

    from app.search.analysis import term_positions

    text = "X200 馬達過熱，產品質量\n問題 café ﬁrmware こんにちは 안녕 calibrating 熱 B2311-07 Привет"
    expected = defaultdict(list)
    for token in analyzer()(text, positions=True, mode="index"):
        expected[token.text].append(token.pos)
    assert term_positions(text) == dict(expected)


def test_a_phrase_or_a_word(searcher):
    """An Or of a phrase and a word: documents with the word count without the phrase."""
    from whoosh.qparser import MultifieldParser, OrGroup

    from app.search import executor

    q = MultifieldParser(["body"], SCHEMA, group=OrGroup).parse('"塗布導熱膏" OR watchdog')
    page = executor.run(searcher, q, [], facets=(), page=1, per_page=50, sort_by_date=False)
    keys = {searcher.stored_fields(d)["key"] for d in page.docnums}
    assert keys == {hit["key"] for hit in searcher.search(q, limit=None)} == {"m2", "e1"}
