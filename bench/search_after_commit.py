"""The first search after the index changed, against the searches that
follow: at scale, with the indexer committing between a worker's searches.

    .venv/bin/python -m bench.search_after_commit [--n 20000] [--rounds 60]

Builds an index of ``--n`` generated documents (bench/corpus.py, as
bench/search_bench.py does), then, ``--rounds`` times: one document is
updated and committed (a new segment and a deletion, as the search indexer
does for a new version), the worker's searcher is refreshed, and the same
filtered search (one of a dozen words, a reader's visibility rule as the
search service renders it, a category filter, three facets, the top 10)
runs twice. Prints the
p50 of the first and of the second search and their ratio; the second is
the baseline, measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.search_bench import build_whoosh, make_queries

FACETS = ("category", "department", "product")


def visibility():
    """What app.search.service.permission_query renders for an author of QC
    (user id 7): documents published or of QC (restricted ones only of QC),
    every report, plans past draft or of QC or their own."""
    from whoosh.query import And, Or, Term

    published = [Term("state", s) for s in ("effective", "obsolete")]
    return Or(
        [
            And(
                [
                    Term("kind", "document"),
                    Or([Term("confidentiality", "internal"), Term("department", "QC")]),
                    Or([*published, Term("department", "QC"), Term("author_id", "7")]),
                ]
            ),
            Term("kind", "issue"),
            And(
                [
                    Term("kind", "plan"),
                    Or(
                        [
                            *(Term("state", s) for s in ("submitted", "approved", "done", "verified")),
                            Term("department", "QC"),
                            Term("author_id", "7"),
                        ]
                    ),
                ]
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=60)
    options = parser.parse_args()

    from whoosh import index as whoosh_index
    from whoosh.query import Term

    from app.search import executor
    from app.search.index import SCHEMA
    from app.search.service import parse

    work = Path(tempfile.mkdtemp(prefix="doctrack-commit-"))
    try:
        (work / "index").mkdir()
        built = build_whoosh(options.n, work / "index")
        ix = whoosh_index.open_dir(str(work / "index"), schema=SCHEMA)
        searcher = ix.searcher()
        # A dozen words, as the load test's searches: their postings are
        # decoded once before the rounds, so what the first search after a
        # commit pays more than the next is the commit's doing.
        words = make_queries(12)["one-term"]
        rng = random.Random(3)
        first, second = [], []
        filters = [visibility(), Term("category", "quality")]
        for word in words:
            executor.run(
                searcher, parse(word), filters, facets=FACETS, page=1, per_page=10, sort_by_date=False
            )
        for n in range(options.rounds):
            writer = ix.writer()
            doc_id = rng.randrange(options.n)
            writer.update_document(
                key=f"document:{doc_id}:effective",
                kind="document",
                variant="effective",
                object_id=doc_id,
                version=2 + n,
                title=f"updated {n}",
                body=f"新版本 密封不良 updated {n}",
                category="quality",
                department="QC",
                state="effective",
                confidentiality="internal",
            )
            writer.commit()
            searcher = searcher.refresh()
            query = parse(rng.choice(words))
            for timings in (first, second):
                started = time.perf_counter()
                executor.run(searcher, query, filters, facets=FACETS, page=1, per_page=10, sort_by_date=False)
                timings.append((time.perf_counter() - started) * 1000)
        segments = len(searcher.reader().leaf_readers()) if not searcher.reader().is_atomic() else 1
        print(
            f"{options.n} documents (built in {built['seconds']:.0f} s), {options.rounds} commits, "
            f"{segments} segments at the end"
        )
        p1, p2 = statistics.median(first), statistics.median(second)
        print(
            f"first search after a commit: p50 {p1:.2f} ms; the next search: p50 {p2:.2f} ms; "
            f"ratio {p1 / p2:.2f}"
        )
        searcher.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
