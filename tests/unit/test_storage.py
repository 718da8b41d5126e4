"""The content-addressed blob store."""

from __future__ import annotations

import hashlib
import io
import os
import time

import pytest

from app.documents.filenames import download_name, sanitize_filename
from app.storage import LocalBlobStore, UploadTooLarge


def test_stage_and_put_is_content_addressed(tmp_path):
    store = LocalBlobStore(tmp_path)
    staged = store.stage(io.BytesIO(b"hello"), max_bytes=100)
    sha = hashlib.sha256(b"hello").hexdigest()
    assert staged.sha256 == sha and staged.size == 5
    assert store.put_file(staged.path, sha) is True
    path = store.path(sha)
    assert path == tmp_path / "blobs" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == b"hello"
    assert not staged.path.exists()
    assert store.verify(sha)


def test_existing_blob_is_never_overwritten(tmp_path):
    store = LocalBlobStore(tmp_path)
    sha = hashlib.sha256(b"hello").hexdigest()
    store.put_file(store.stage(io.BytesIO(b"hello"), 100).path, sha)
    before = store.path(sha).stat()
    second = store.stage(io.BytesIO(b"hello"), 100)
    assert store.put_file(second.path, sha) is False
    after = store.path(sha).stat()
    assert after.st_ino == before.st_ino  # the same file; only its time is refreshed (for garbage collection)
    assert store.path(sha).read_bytes() == b"hello"
    assert list(store.tmp.iterdir()) == []


def test_oversized_stream_is_refused_and_nothing_kept(tmp_path):
    store = LocalBlobStore(tmp_path)
    with pytest.raises(UploadTooLarge):
        store.stage(io.BytesIO(b"x" * 2000), max_bytes=1000)
    assert list(store.tmp.iterdir()) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab/cd", "", "ABC", "0" * 63])
def test_paths_come_only_from_a_sha256(tmp_path, bad):
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path).path(bad)


def test_filename_helpers():
    assert sanitize_filename("a/b/../c.pdf") == "c.pdf"
    assert sanitize_filename("..\\..\\windows\\system.ini") == "system.ini"
    assert sanitize_filename("\x00\x07") == "upload"
    assert len(sanitize_filename("長" * 300 + ".pdf").encode()) <= 200
    assert sanitize_filename("長" * 300 + ".pdf").endswith(".pdf")
    assert download_name("說明書.pdf", 3, obsolete=True) == "說明書_v3_OBSOLETE.pdf"
    assert download_name("notes", 1, obsolete=False) == "notes_v1"


def test_staged_uploads_of_dead_processes_are_swept(tmp_path):
    import io
    import subprocess

    from app.storage import LocalBlobStore

    store = LocalBlobStore(tmp_path)
    mine = store.stage(io.BytesIO(b"in flight"), 1024)
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = store.tmp / f"{store.staging_prefix(dead.pid)}abc123"
    orphan.write_bytes(b"half an upload")
    assert store.sweep_staging() == 1
    assert not orphan.exists()
    assert mine.path.exists()  # this (live) process's upload is left alone


def test_another_hosts_staged_upload_is_swept_only_when_stale(tmp_path):
    """Several machines may share the store: another host's process ids mean
    nothing here, so its staged file is left alone until it is an hour old."""
    store = LocalBlobStore(tmp_path)
    store.stage(io.BytesIO(b"x"), 10).discard()  # creates tmp/
    foreign = store.tmp / "upload-other_host-1-abc123"
    foreign.write_bytes(b"being uploaded on another machine")
    assert store.sweep_staging() == 0 and foreign.exists()
    os.utime(foreign, (time.time() - 7200,) * 2)
    assert store.sweep_staging() == 1 and not foreign.exists()


def test_reusing_an_existing_blob_refreshes_its_time(tmp_path):
    """So that garbage collection never takes a file an upload is reusing."""
    store = LocalBlobStore(tmp_path)
    sha = hashlib.sha256(b"hello").hexdigest()
    store.put_file(store.stage(io.BytesIO(b"hello"), 100).path, sha)
    os.utime(store.path(sha), (1_000_000, 1_000_000))
    assert store.put_file(store.stage(io.BytesIO(b"hello"), 100).path, sha) is False
    assert time.time() - store.path(sha).stat().st_mtime < 60


def test_remove_if_unused_keeps_young_and_used_files(tmp_path):
    store = LocalBlobStore(tmp_path)
    shas = []
    for content in (b"old unused", b"old used", b"young unused"):
        sha = hashlib.sha256(content).hexdigest()
        store.put_file(store.stage(io.BytesIO(content), 100).path, sha)
        shas.append(sha)
    old_unused, old_used, young_unused = shas
    for sha in (old_unused, old_used):
        os.utime(store.path(sha), (time.time() - 2 * 86400,) * 2)
    used = {old_used}.__contains__
    assert store.remove_if_unused(old_unused, older_than_s=86400, in_use=used) == len(b"old unused")
    assert store.remove_if_unused(old_used, older_than_s=86400, in_use=used) == 0
    assert store.remove_if_unused(young_unused, older_than_s=86400, in_use=used) == 0
    assert sorted(store.iter_hashes()) == sorted([old_used, young_unused])
