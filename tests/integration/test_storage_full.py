"""The storage filesystem full (issue 20): uploads answer 507 with a
translated message, nothing is half-written, and the service takes uploads
again as soon as space returns.

The test runs twice: on a 3 MB tmpfs mounted by the test (skipped where
mounting is not permitted: it needs root), and with fault injection: the
file the storage writes through is wrapped so that its writes fail with ENOSPC once the
"filesystem" holds 3 MB: the same error, raised in the same write path.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.documents.models import Blob, DocumentVersion
from app.extensions import db

SIZE = 3 * 1024 * 1024


def _try_mount(path: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


class _FullDisk:
    """Fault injection when no mount is allowed: every file the storage
    module opens for writing counts its bytes against SIZE, and a write past
    it raises OSError(ENOSPC) as a full filesystem does."""

    def __init__(self, monkeypatch, root: Path):
        import app.storage as storage

        self.root, self.full = root, True
        real_fdopen = os.fdopen

        def used() -> int:
            return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())

        disk = self

        class Writer(io.RawIOBase):
            def __init__(self, fh):
                self.fh = fh

            def write(self, data):
                if disk.full and used() + len(data) > SIZE:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                written = self.fh.write(data)
                self.fh.flush()
                return written

            def fileno(self):
                return self.fh.fileno()

            def close(self):
                self.fh.close()
                super().close()

            def writable(self):
                return True

        def fdopen(fd, mode="r", *args, **kwargs):
            fh = real_fdopen(fd, mode, *args, **kwargs)
            return Writer(fh) if "w" in mode else fh

        monkeypatch.setattr(storage.os, "fdopen", fdopen)


@pytest.fixture(params=["tmpfs", "injected"])
def storage_disk(request, app, tmp_path, monkeypatch):
    """(mode, root, fill, free): the storage on a small filesystem."""
    root = tmp_path / "small-storage"
    mounted, injected = request.param == "tmpfs" and _try_mount(root), None
    if request.param == "tmpfs" and not mounted:
        pytest.skip("mounting a tmpfs is not permitted here (needs root); the injected variant runs instead")
    if not mounted:
        root.mkdir(parents=True, exist_ok=True)
        injected = _FullDisk(monkeypatch, root)
    app.config["STORAGE_DIR"] = str(root)
    filler = root / "filler"

    def fill() -> None:
        # Leave less room than an upload needs.
        try:
            with open(filler, "wb", buffering=0) as fh:
                while not (not mounted and filler.stat().st_size > SIZE - 200_000):
                    fh.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC

    def free() -> None:
        filler.unlink(missing_ok=True)

    yield ("tmpfs" if mounted else "injected", root, fill, free)
    if mounted:
        subprocess.run(["umount", "-l", str(root)], check=False)
    elif injected:
        injected.full = False


def _upload(api, content: bytes, title: str, **headers):
    return api.post("/documents", data={
        "title": title, "category": "technical", "doc_type": "manual", "department": "RD",
        "file": (io.BytesIO(content), "manual.txt"),
    }, content_type="multipart/form-data", headers=headers)


def _consistent(root: Path) -> None:
    db.session.rollback()
    rows = set(db.session.scalars(select(Blob.sha256)))
    versions = set(db.session.scalars(select(DocumentVersion.sha256)))
    files = {p.name for p in (root / "blobs").rglob("*") if p.is_file()}
    assert versions <= rows == files, "every version has its blob row and file, and no file is orphaned"
    assert list((root / "tmp").glob("*")) == [], "no half-written upload remains"


def test_a_full_storage_answers_507_keeps_nothing_and_recovers(app, api_as, make_user, storage_disk):
    mode, root, fill, free = storage_disk
    print(f"storage filesystem: {mode}")
    author = make_user("author", "RD")
    api = api_as(author)
    first = _upload(api, b"X200 manual, first edition.\n", "X200 manual")
    assert first.status_code == 201, first.json
    document_id = first.json["id"]

    fill()
    big = "".join(f"X300 torque table, line {n}\n" for n in range(40_000)).encode()  # ~1 MB of text
    refused = _upload(api, big, "X300 manual", **{"Accept-Language": "zh-Hant"})
    assert refused.status_code == 507
    assert refused.json["error"]["code"] == "storage_full"
    assert "儲存空間已滿" in refused.json["error"]["localized_message"]
    version = api.post(f"/documents/{document_id}/versions", data={
        "change_note": "second", "file": (io.BytesIO(big), "manual.txt")}, content_type="multipart/form-data")
    assert version.status_code == 507
    assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 1
    _consistent(root)
    assert api.get(f"/documents/{document_id}").status_code == 200  # reading still works

    free()
    again = _upload(api, big, "X300 manual")
    assert again.status_code == 201, again.json
    stored = api.post(f"/documents/{document_id}/versions", data={
        "change_note": "second", "file": (io.BytesIO(big + b"2"), "manual.txt")}, content_type="multipart/form-data")
    assert stored.status_code == 201
    _consistent(root)
    sha = hashlib.sha256(big).hexdigest()
    assert (root / "blobs" / sha[:2] / sha[2:4] / sha).read_bytes() == big
