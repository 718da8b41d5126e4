"""Compare analyzers on the relevance evaluation set (tests/search_eval):
CJK bigrams + folding (ours), jieba word segmentation + folding, and both
(the union of the two result lists). Reports recall@10 and the mean number
of hits returned (a rough precision proxy), per query group.

    .venv/bin/python -m bench.search_eval
"""

from __future__ import annotations

import logging
import tempfile

import jieba
from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.lang.porter import stem
from whoosh.qparser import AndGroup, QueryParser

from app.search.analysis import analyzer, fold
from app.search.service import normalise_query
from tests.search_eval.data import DOCS, QUERIES

jieba.setLogLevel(logging.WARNING)


class JiebaTokenizer(Tokenizer):
    """jieba's search-mode segmentation over folded text; Latin stemmed."""

    def __call__(self, value, positions=False, chars=False, mode="", start_pos=0, **kwargs):
        token = Token(positions, chars, mode=mode, **kwargs)
        pos = start_pos
        for word, start, end in jieba.tokenize(fold(value), mode="search"):
            word = word.strip().lower()
            if not word or not any(ch.isalnum() for ch in word):
                continue
            token.text = word if any(c.isdigit() for c in word) or not word.isascii() else stem(word)
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start, end
            pos += 1
            yield token


def build(text_analyzer):
    schema = Schema(key=ID(stored=True), body=TEXT(analyzer=text_analyzer, phrase=True))
    ix = whoosh_index.create_in(tempfile.mkdtemp(), schema)
    with ix.writer() as writer:
        for key, text in DOCS.items():
            writer.add_document(key=key, body=text)
    return ix


def hits(ix, query: str) -> set[str]:
    parser = QueryParser("body", ix.schema, group=AndGroup)
    with ix.searcher() as searcher:
        return {hit["key"] for hit in searcher.search(parser.parse(normalise_query(query)), limit=10)}


def main() -> None:
    bigram, segmented = build(analyzer()), build(JiebaTokenizer())
    setups = {"bigrams + fold": lambda q: hits(bigram, q), "jieba + fold": lambda q: hits(segmented, q),
              "both (union)": lambda q: hits(bigram, q) | hits(segmented, q)}
    print(f"{len(DOCS)} documents, {len(QUERIES)} queries\n")
    print("| analyzer | recall@10 | queries fully answered | mean hits returned |")
    print("|---|---|---|---|")
    for name, run in setups.items():
        found = expected = complete = returned = 0
        misses = []
        for query, wanted in QUERIES:
            got = run(query)
            found += len(wanted & got)
            expected += len(wanted)
            complete += wanted <= got
            returned += len(got)
            if not wanted <= got:
                misses.append(query)
        print(f"| {name} | {found / expected:.3f} | {complete}/{len(QUERIES)} | {returned / len(QUERIES):.1f} |")
        if misses:
            print(f"|   misses: {', '.join(misses)} | | | |")


if __name__ == "__main__":
    main()
