"""Hostile uploads: each gets a clear 4xx within the extraction budget,
the server's memory stays bounded, and nothing is stored."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.documents import sandbox
from app.errors import BadUpload
from tests.hostile import HOSTILE
from tests.integration.test_documents_bad_input import FIELDS, assert_nothing_kept

ROOT = Path(__file__).resolve().parents[2]

TIMEOUT_S = 10


@pytest.fixture
def api(app, api_as, make_user):
    app.config.update(EXTRACT_TIMEOUT_S=TIMEOUT_S, EXTRACT_MEMORY_MB=256)
    return api_as(make_user("author", "RD"))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("what, filename, make", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_upload_is_refused_quickly_and_leaves_nothing(app, api, what, filename, make):
    content = make()
    peak_before = _peak_rss_mb()
    started = time.monotonic()
    response = api.upload("/documents", content, filename, **FIELDS)
    elapsed = time.monotonic() - started
    assert 400 <= response.status_code < 500, (what, response.status_code, response.get_data(as_text=True))
    message = response.json["error"]["message"]
    assert message and "Traceback" not in message
    assert elapsed < TIMEOUT_S + 5, f"{what}: {elapsed:.1f} s"
    # The parse happens in a child: the server process does not grow with the file's tricks.
    assert _peak_rss_mb() - peak_before < 100 + len(content) * 4 / 2**20, what
    assert_nothing_kept(app)


def test_external_entity_never_reaches_the_text(api):
    from tests.hostile import docx_external_entity

    response = api.upload("/documents", docx_external_entity(), "manual.docx", **FIELDS)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "docx_dtd"
    assert "root:" not in response.get_data(as_text=True)


def read_response(conn):
    """One whole HTTP response: the headers and the body may arrive in
    separate segments, so read until Content-Length bytes of body are in."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return (head + b"\r\n\r\n" + body).decode(errors="replace")


def test_a_declared_one_gigabyte_body_is_refused_before_it_is_read(app, api):
    """Over a real socket: the server answers 413 from the headers alone,
    without waiting for (or storing) the gigabyte it was promised."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as conn:
            conn.sendall(
                (
                    f"POST /api/v1/documents HTTP/1.1\r\nHost: localhost\r\n"
                    f"Authorization: {api.headers['Authorization']}\r\n"
                    "Content-Type: multipart/form-data; boundary=x\r\n"
                    f"Content-Length: {2**30}\r\n\r\n--x\r\n"
                ).encode()
            )
            reply = read_response(conn)
    finally:
        server.shutdown()
    status_line, _, rest = reply.partition("\r\n")
    assert " 413 " in status_line, reply
    assert "larger than the" in rest
    assert_nothing_kept(app)


def test_a_parse_that_runs_too_long_is_stopped(monkeypatch, tmp_path):
    def stuck(*args, **kwargs):
        time.sleep(60)

    monkeypatch.setattr(sandbox, "inspect_upload", stuck)
    path = tmp_path / "a.pdf"  # not small plain text, which is read without a child
    path.write_bytes(b"%PDF-1.4\n")
    started = time.monotonic()
    with pytest.raises(BadUpload, match="could not be read within 1 s") as info:
        sandbox.inspect_bounded(path, "a.pdf", max_unpacked_bytes=1, timeout_s=1, memory_mb=64)
    assert info.value.code == "extraction_timeout"
    assert time.monotonic() - started < 10


def test_a_parse_that_needs_too_much_memory_is_stopped(monkeypatch, tmp_path):
    def greedy(*args, **kwargs):
        hoard = []
        while True:
            hoard.append(bytearray(16 * 1024 * 1024))

    monkeypatch.setattr(sandbox, "inspect_upload", greedy)
    path = tmp_path / "a.pdf"  # not small plain text, which is read without a child
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(BadUpload, match="needs more than 64 MB") as info:
        sandbox.inspect_bounded(path, "a.pdf", max_unpacked_bytes=1, timeout_s=30, memory_mb=64)
    assert info.value.code == "extraction_memory"


ORPHAN_SCRIPT = """
import os, sys, time
from app.documents import sandbox

def stuck(*args, **kwargs):
    open(sys.argv[2], "w").write(str(os.getpid()))
    time.sleep(120)

sandbox.inspect_upload = stuck
sandbox.inspect_bounded(sys.argv[1], "a.pdf", max_unpacked_bytes=1, timeout_s=60, memory_mb=64)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_the_reader_dies_with_a_killed_worker(tmp_path):
    """A worker killed mid-extraction must not leave its reader behind: the
    forked reader holds copies of the worker's database connections, and an
    orphan kept the worker's transaction and its locks open."""
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    pid_file = tmp_path / "child.pid"
    worker = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, str(path), str(pid_file)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert _alive(child)
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the reader outlived the worker that started it"
