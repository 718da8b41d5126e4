"""Content-addressed blob storage, behind the ``BlobStore`` interface.

Blobs live at ``<root>/blobs/ab/cd/<sha256>``. A blob is written to a temp
file in ``<root>/tmp``, fsynced, then renamed into place; an existing blob
is never overwritten (same name means same bytes). Names are only ever
derived from a validated sha256 hex digest, so no user input reaches a path.

A blob file whose row never committed (its writer was killed between the
rename and the commit) is garbage; ``remove_if_unused`` deletes such files
once they are old enough, under a lock that ``put_file`` shares, so an
upload that is reusing the file at that moment keeps it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024
# A staged file of another machine sharing the store (or of unknown origin)
# is removed only when nobody has written to it for this long.
_FOREIGN_STAGED_MAX_AGE_S = 3600


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"


@runtime_checkable
class BlobStore(Protocol):
    """What the application needs from blob storage. Blobs are immutable and
    named by the sha256 of their bytes; every node of a multi-node install
    must reach the same store.

    ``LocalBlobStore`` keeps them in a directory (local disk, or a mount
    shared by all nodes: NFS, CephFS, SMB, ...). Another backend (e.g. an
    S3-compatible object store) implements these methods and is registered
    in ``BACKENDS`` under the name ``DOCTRACK_STORAGE_BACKEND`` selects:

    - ``stage(stream, max_bytes)``: spool an upload to a temporary local file
      while hashing it (refuse past ``max_bytes`` with ``UploadTooLarge``);
    - ``put_file(staged, sha256)``: store the staged file under its digest
      unless those bytes are stored already (then refresh the blob's time);
      True when it created the blob. Never overwrites; atomic for readers;
    - ``exists``, ``open`` (a binary file object), ``read_bytes``, ``delete``,
      ``iter_hashes`` (every stored digest), ``verify`` (bytes match name);
    - ``path(sha256)``: a local file holding the blob (downloads are sent from
      it; a remote store returns a cached local copy);
    - ``remove_if_unused(sha256, older_than_s, in_use)``: the garbage
      collector's delete, excluded against a concurrent ``put_file`` of the
      same digest (a directory lock here; a conditional delete on S3);
    - ``sweep_staging()``: drop temporary files of writers that died.
    """

    def stage(self, stream: BinaryIO, max_bytes: int) -> StagedUpload: ...
    def put_file(self, staged: Path, sha256: str) -> bool: ...
    def exists(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def read_bytes(self, sha256: str) -> bytes: ...
    def path(self, sha256: str) -> Path: ...
    def delete(self, sha256: str) -> None: ...
    def iter_hashes(self) -> Iterator[str]: ...
    def verify(self, sha256: str) -> bool: ...
    def remove_if_unused(
        self, sha256: str, *, older_than_s: float, in_use: Callable[[str], bool], dry_run: bool = False
    ) -> int: ...
    def sweep_staging(self) -> int: ...


@dataclass
class StagedUpload:
    """An upload spooled to disk, with its digest and size."""

    path: Path
    sha256: str
    size: int

    def discard(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class UploadTooLarge(Exception):
    pass


def _check_sha(sha256: str) -> str:
    if not _SHA256.match(sha256 or ""):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalBlobStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.blobs = self.root / "blobs"
        self.tmp = self.root / "tmp"

    def _ensure_dirs(self) -> None:
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def staging_prefix(pid: int) -> str:
        """Staged files are named for their writer: host and process id."""
        return f"upload-{_host()}-{pid}-"

    def sweep_staging(self) -> int:
        """Remove staged uploads left by processes that died mid-upload
        (kill -9 of a web worker). A file of this host whose writer is gone
        goes at once; one from another host sharing the store (its process
        ids mean nothing here) only once it has not changed for an hour."""
        removed = 0
        here = f"upload-{_host()}-"
        for path in self.tmp.glob("upload-*"):
            pid = path.name[len(here) :].split("-")[0] if path.name.startswith(here) else ""
            if pid.isdigit():
                if _process_alive(int(pid)):
                    continue
            else:
                try:
                    if time.time() - path.stat().st_mtime < _FOREIGN_STAGED_MAX_AGE_S:
                        continue
                except FileNotFoundError:
                    continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def path(self, sha256: str) -> Path:
        sha256 = _check_sha(sha256)
        return self.blobs / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def stage(self, stream: BinaryIO, max_bytes: int) -> StagedUpload:
        """Spool ``stream`` to a temp file while hashing it; refuse it as soon
        as it passes ``max_bytes`` (nothing is kept)."""
        self._ensure_dirs()
        digest = hashlib.sha256()
        size = 0
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix=self.staging_prefix(os.getpid()))
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLarge(size)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            os.unlink(name)
            raise
        return StagedUpload(Path(name), digest.hexdigest(), size)

    @contextmanager
    def _lock(self, mode: int):
        """A lock on the blobs directory itself (no extra file in the store)."""
        self._ensure_dirs()
        fd = os.open(self.blobs, os.O_RDONLY)
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            os.close(fd)  # releases the lock

    def put_file(self, staged: Path, sha256: str) -> bool:
        """Move a staged file into place. Returns True when this call created
        the blob, False when identical bytes were already stored (the staged
        file is then removed and the existing blob left untouched, but its
        time refreshed: a recent file is never garbage-collected)."""
        target = self.path(sha256)
        with self._lock(fcntl.LOCK_SH):
            if target.exists():
                os.utime(target)
                staged.unlink(missing_ok=True)
                return False
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                # link() fails if the target appeared meanwhile: never overwrite.
                os.link(staged, target)
            except FileExistsError:
                os.utime(target)
                staged.unlink(missing_ok=True)
                return False
        staged.unlink(missing_ok=True)
        _fsync_dir(target.parent)
        return True

    def remove_if_unused(
        self, sha256: str, *, older_than_s: float, in_use: Callable[[str], bool], dry_run: bool = False
    ) -> int:
        """Delete the blob file when it is older than ``older_than_s`` and
        ``in_use(sha256)`` is false; returns the bytes freed (0 if kept).
        With ``dry_run`` nothing is deleted; the return value is the same."""
        path = self.path(sha256)
        with self._lock(fcntl.LOCK_EX):
            try:
                stat = path.stat()
            except FileNotFoundError:
                return 0
            if time.time() - stat.st_mtime < older_than_s or in_use(sha256):
                return 0
            if not dry_run:
                path.unlink()
        return stat.st_size

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def iter_hashes(self) -> Iterator[str]:
        if not self.blobs.exists():
            return
        for path in self.blobs.glob("*/*/*"):
            if _SHA256.match(path.name):
                yield path.name

    def verify(self, sha256: str) -> bool:
        digest = hashlib.sha256()
        with self.open(sha256) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha256


# Storage backends by name (DOCTRACK_STORAGE_BACKEND): a factory taking the
# configuration. An S3-compatible store is added here.
BACKENDS: dict[str, Callable[[dict], BlobStore]] = {
    "local": lambda config: LocalBlobStore(config["STORAGE_DIR"]),
}


def store_for(config) -> BlobStore:
    name = config.get("STORAGE_BACKEND", "local")
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise RuntimeError(
            f"DOCTRACK_STORAGE_BACKEND={name!r} is not a storage backend (known: {', '.join(sorted(BACKENDS))})"
        ) from None
    return factory(config)


def get_store() -> BlobStore:
    from flask import current_app

    return store_for(current_app.config)
