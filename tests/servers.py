"""Real server processes for the tests that need one: a free port,
gunicorn serving this checkout's ``wsgi:app``, waiting until it answers,
and stopping it with everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(
    port: int,
    env: dict,
    *,
    workers: int = 1,
    threads: int | None = None,
    timeout: int = 60,
    log: IO | None = None,
) -> subprocess.Popen:
    """gunicorn in its own session (``stop`` kills the whole group), without
    the control socket, as ``scripts/production.sh`` starts it; its output
    goes to ``log`` or nowhere."""
    args = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    if threads:
        args += ["--threads", str(threads)]
    args += ["--bind", f"127.0.0.1:{port}", "--timeout", str(timeout), "--no-control-socket", "wsgi:app"]
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
        start_new_session=True,
    )


def answers(base: str) -> bool:
    """Whether the service at ``base`` (http://host:port) answers its health check with 200."""
    try:
        return requests.get(base + "/api/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_http(base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(base):
            return
        time.sleep(0.1)
    raise AssertionError(f"{base} did not come up in {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate the process, then kill its group: nothing it started may
    outlive the test."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
