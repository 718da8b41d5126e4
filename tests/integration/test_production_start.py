"""scripts/production.sh refuses a login throttle that each worker would
count on its own (issue 20: the throttle is shared in the production shape)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **env) -> dict:
    """The environment of production.sh on SQLite in ``tmp_path``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOCTRACK_")}
    base.update(
        {
            "DOCTRACK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "DOCTRACK_SECRET_KEY": "k" * 40,
            "DOCTRACK_INSTANCE_DIR": str(tmp_path / "instance"),
            "DOCTRACK_STORAGE_DIR": str(tmp_path / "s"),
            **env,
        }
    )
    return base


def start(tmp_path, **env):
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "production.sh")],
        cwd=ROOT,
        env=production_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_per_process_throttle_counting_is_refused(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 2
    assert "DOCTRACK_RATELIMIT_STORAGE_URI" in result.stderr and "redis://" in result.stderr
    assert not (tmp_path / "x.db").exists()  # refused before touching the database
    result = start(tmp_path, DOCTRACK_RATELIMIT_STORAGE_URI="memory://")
    assert result.returncode == 2


def test_web_workers_are_replaced_after_their_share_of_requests_and_no_request_fails(tmp_path):
    """A worker whose memory creeps is replaced after DOCTRACK_MAX_REQUESTS
    requests; the requests around each replacement are all answered. The
    master forks them with no control-socket thread of its own (issue 20:
    new workers died of SIGSEGV with it), and binds no socket at the
    machine-wide default path another gunicorn would take over."""
    import signal
    import time

    import requests

    from tests import servers

    port = servers.free_port()
    env = production_env(
        tmp_path,
        DOCTRACK_ALLOW_PER_PROCESS_THROTTLE="1",
        DOCTRACK_BIND=f"127.0.0.1:{port}",
        DOCTRACK_WORKERS="2",
        DOCTRACK_OCR_WORKERS="0",
        DOCTRACK_MAX_REQUESTS="4",
        DOCTRACK_MAX_REQUESTS_JITTER="0",
        XDG_RUNTIME_DIR=str(tmp_path),  # where gunicorn's control socket would go
    )
    control_socket = tmp_path / "gunicorn.ctl"
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "production.sh")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/api/v1/health"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        statuses = [requests.get(url, timeout=30).status_code for _ in range(24)]
        assert not control_socket.exists(), log.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    text = log.read_text()
    assert statuses == [200] * 24, text
    # At least 25 requests (24 and the first probe that found it up) over two
    # workers that serve 4 each: at least 4 replacements, each a new worker.
    assert text.count("Autorestarting worker after current request") >= 4, text
    assert text.count("Booting worker") >= 2 + 4, text
    assert "Control socket listening" not in text, text
