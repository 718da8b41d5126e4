"""Where the load-test mix spends its time, per request, in one process.

    .venv/bin/python -m bench.profile_mix [--requests 600] [--html profile.html]

The clients of ``bench/load_test.py`` (same actions, same weights) drive the
application through Flask's test client on a scratch PostgreSQL database,
under pyinstrument (``pip install .[bench]``); the search outbox is drained
between rounds outside the profile. Prints the profile (the frames that
take at least 1 % of the time) and the SQL statements per request by route.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from bench.load_test import Client, Stats, create_accounts, server_env
from bench.pg import drop_database, scratch_database


class _Response:
    def __init__(self, response):
        self._response = response
        self.status_code = response.status_code
        self.text = response.get_data(as_text=True)

    def json(self):
        return self._response.get_json()


class TestClientSession:
    """The part of requests.Session that bench.load_test.Client uses, over
    Flask's test client."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method, url, timeout=None, data=None, files=None, json=None, params=None):
        path = urlsplit(url).path
        kwargs: dict = {"headers": self.headers, "query_string": params}
        if files:
            form = dict(data or {})
            for key, (name, content, ctype) in files.items():
                form[key] = (io.BytesIO(content), name, ctype)
            kwargs.update(data=form, content_type="multipart/form-data")
        elif json is not None:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = data
        return _Response(self.client.open(path, method=method, **kwargs))


def drain(app) -> None:
    from app.search import indexer

    with app.app_context():
        indexer.drain(app.config, wait=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--postgres", default=os.environ.get("DOCTRACK_TEST_DATABASE_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args(argv)

    from pyinstrument import Profiler
    from sqlalchemy import event

    work = Path(tempfile.mkdtemp(prefix="doctrack-profile-"))
    name = f"doctrack_profile_{os.getpid()}"
    env = server_env(scratch_database(args.postgres, name), work, 0)
    os.environ.update({k: v for k, v in env.items() if k.startswith("DOCTRACK_")})
    os.environ.update(DOCTRACK_ENV="production", DOCTRACK_SEARCH_INLINE="false",
                      DOCTRACK_RATELIMIT_STORAGE_URI="memory://")
    from app import create_app
    from app.extensions import db

    app = create_app()
    try:
        tokens = create_accounts(app, 1)
        client = Client(0, "http://bench", tokens, Stats(), seed=7)
        test_client = app.test_client()
        for key in ("head", "support", "qc"):
            client.sessions[key] = TestClientSession(test_client, tokens[key])
        client.sessions["me"] = TestClientSession(test_client, tokens["authors"][0])
        client.base = "/api/v1"
        queries: dict[str, int] = defaultdict(int)
        current = {"route": None}

        def count(*_args):
            if current["route"]:
                queries[current["route"]] += 1

        original_call = Client.call

        def call(self, who, method, route, path, **kwargs):
            current["route"] = route
            try:
                return original_call(self, who, method, route, path, **kwargs)
            finally:
                current["route"] = None

        Client.call = call  # type: ignore[method-assign]
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        actions, weights = zip(*Client.ACTIONS, strict=True)
        for _ in range(60):  # warm-up: content, caches, the index
            client.rng.choices(actions, weights)[0](client)
        drain(app)
        queries.clear()
        client.stats = Stats()
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        done = 0
        while done < args.requests:
            profiler.start()
            for _ in range(50):
                client.rng.choices(actions, weights)[0](client)
            profiler.stop()
            done += 50
            drain(app)
        elapsed = time.perf_counter() - started
        stats = client.stats
        total = sum(len(v) for v in stats.timings.values())
        print(profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total"))
        print(f"{total} requests, {sum(sum(v) for v in stats.timings.values()) / total * 1000:.1f} ms each "
              f"(wall {elapsed:.1f} s incl. draining)")
        print(f"{'route':<54} {'n':>5} {'ms':>7} {'SQL/req':>8}")
        for route in sorted(stats.timings):
            times = stats.timings[route]
            print(f"{route:<54} {len(times):>5} {sum(times) / len(times) * 1000:>7.1f} "
                  f"{queries[route] / len(times):>8.1f}")
        if args.html:
            Path(args.html).write_text(profiler.output_html())
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(args.postgres, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
