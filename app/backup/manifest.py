"""The backup manifest: what a backup holds, and how to check it.

``manifest.json`` lists every file with its size and sha256, the row count
of every table, the application version and schema revision, and the
sha256 of its own canonical content, so an edited manifest is detected as
surely as an edited file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1
_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _canonical(body: dict) -> bytes:
    return json.dumps(
        {k: v for k, v in body.items() if k != "manifest_sha256"},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def seal(body: dict) -> dict:
    return {**body, "manifest_sha256": hashlib.sha256(_canonical(body)).hexdigest()}


def write(directory: Path, body: dict) -> None:
    sealed = seal(body)
    path = directory / MANIFEST
    path.write_text(json.dumps(sealed, indent=2, ensure_ascii=False, sort_keys=True))


def read(directory: Path) -> dict:
    return json.loads((directory / MANIFEST).read_text())


def problems(directory: Path) -> list[str]:
    """Everything wrong with the backup at ``directory``; empty when sound."""
    directory = Path(directory)
    if not (directory / MANIFEST).is_file():
        return [f"{MANIFEST}: missing"]
    try:
        body = read(directory)
    except (ValueError, OSError) as exc:
        return [f"{MANIFEST}: unreadable ({exc})"]
    found = []
    if body.get("manifest_sha256") != hashlib.sha256(_canonical(body)).hexdigest():
        found.append(f"{MANIFEST}: changed (its checksum does not match its content)")
    listed = {entry["path"]: entry for entry in body.get("files", [])}
    present = {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()} - {MANIFEST}
    for path in sorted(set(listed) - present):
        found.append(f"{path}: missing")
    for path in sorted(present - set(listed)):
        found.append(f"{path}: extra (not in the manifest)")
    for path in sorted(set(listed) & present):
        entry, file = listed[path], directory / path
        if file.stat().st_size != entry["size"] or sha256_file(file) != entry["sha256"]:
            found.append(f"{path}: changed (size or sha256 differs from the manifest)")
    return found
