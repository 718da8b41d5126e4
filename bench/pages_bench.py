"""Server time of each page on the demo data set (median and max of 20
requests through the WSGI app, no network), against the health check
measured in the same run as a baseline.

    .venv/bin/python -m bench.pages_bench
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

PAGES = ["/", "/documents/", "/documents/1", "/documents/1/diff?from=1&to=2", "/documents/1/diff?from=2&to=3&mode=side",
         "/documents/1/versions/2", "/documents/1/history", "/approvals/inbox", "/approvals/reviews", "/issues/",
         "/issues/1", "/issues/metrics", "/search?q=過熱", "/search?q=导热膏+X200", "/notifications", "/admin/backups/"]


def main() -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.loader import load_demo

    work = Path(tempfile.mkdtemp(prefix="doctrack-pages-"))
    app = create_app({"INSTANCE_DIR": str(work), "STORAGE_DIR": str(work / "storage"), "SECRET_KEY": "bench",
                      "DATABASE_URL": f"sqlite:///{work / 'doctrack.db'}", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        load_demo()
    client = app.test_client()
    client.post("/login", data={"email": "admin@doctrack.local", "password": "demo-admin-pass"})
    rows = []
    for path in ["/api/v1/health"] + PAGES:
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        rows.append((path, statistics.median(timings), max(timings)))
    base = rows[0][1]
    print("| page | median ms | max ms | ÷ health check |\n|---|---|---|---|")
    for path, median, worst in rows:
        print(f"| `{path}` | {median:.1f} | {worst:.1f} | {median / base:.1f} |")


if __name__ == "__main__":
    main()
