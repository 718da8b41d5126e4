"""Server time of each main page at scale: the demo data set plus 20,000
documents (``--documents``) on SQLite, indexed for search, median and max
of 20 requests through the WSGI app (no network), against the health
check measured in the same run as a baseline. Also counts the SQL
statements of one request of each page (an N+1 shows as a count that
grows with the page size).

    .venv/bin/python -m bench.pages_bench [--documents 20000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

PAGES = ["/", "/documents/", "/documents/?sort=title", "/documents/?sort=-review_due&per_page=100",
         "/documents/?page=400", "/documents/?q=Manual&sort=department", "/documents/?state=draft&sort=number",
         "/documents/1", "/documents/1/diff?from=1&to=2", "/documents/1/diff?from=2&to=3&mode=side",
         "/documents/1/versions/2", "/documents/1/history", "/documents/pick?q=X200", "/approvals/inbox",
         "/approvals/reviews", "/issues/", "/issues/?sort=-title", "/issues/1", "/issues/metrics",
         "/search?q=過熱", "/search?q=导热膏+X200", "/search?q=Manual&sort=date", "/notifications",
         "/admin/backups/"]


def timed_gets(client, path: str, repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` GETs of ``path`` through a Flask test
    client, each answered 200."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-index", action="store_true", help="do not index the added documents for search")
    options = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import event

    from app import create_app
    from app.demo.loader import load_demo
    from app.extensions import db
    from bench.many_documents import insert_documents

    work = Path(tempfile.mkdtemp(prefix="doctrack-pages-"))
    app = create_app({"INSTANCE_DIR": str(work), "STORAGE_DIR": str(work / "storage"), "SECRET_KEY": "bench",
                      "DATABASE_URL": f"sqlite:///{work / 'doctrack.db'}", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        load_demo()
        started = time.perf_counter()
        insert_documents(options.documents)
        print(f"inserted {options.documents} documents in {time.perf_counter() - started:.1f} s")
        if not options.no_index and options.documents:
            from app.search.indexer import rebuild

            started = time.perf_counter()
            rebuild(app.config)
            print(f"search index rebuilt in {time.perf_counter() - started:.1f} s")
        statements = [0]
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
        from sqlalchemy import func, select

        from app.documents.models import Document

        total = db.session.scalar(select(func.count()).select_from(Document))
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"email": "admin@doctrack.local", "password": "demo-admin-pass"})
    rows = []
    for path in ["/api/v1/health"] + PAGES:
        client.get(path)  # warm caches (templates, diff cache, index reader)
        statements[0] = 0
        client.get(path)
        queries = statements[0]
        timings = timed_gets(client, path, options.repeat)
        rows.append((path, statistics.median(timings), max(timings), queries))
    base = rows[0][1]
    print(f"\n{total} documents (SQLite), median and max of {options.repeat} requests\n")
    print("| page | median ms | max ms | SQL statements | ÷ health check |\n|---|---|---|---|---|")
    for path, median, worst, queries in rows:
        print(f"| `{path}` | {median:.1f} | {worst:.1f} | {queries} | {median / base:.1f} |")


if __name__ == "__main__":
    main()
