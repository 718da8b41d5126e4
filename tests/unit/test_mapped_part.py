"""The in-place reader Whoosh's segment files get (app.search.index): it
reads, seeks and iterates as the BytesIO it replaces, over a memory map's
view or over bytes, and an index kept in memory still answers."""

from __future__ import annotations

import io
import mmap
import pickle

import pytest
from whoosh.filedb.filestore import RamStorage

from app.search.index import SCHEMA, _MappedPart

DATA = b"line one\nline two\n" + pickle.dumps({"torque": [1.2, 1.3]}, protocol=0) + b"tail without newline"
STEPS = [
    ("read", 3),
    ("readline",),
    ("readline", 5),
    ("tell",),
    ("seek", 2, 1),
    ("read", -1),
    ("seek", -4, 2),
    ("read", 10),
    ("seek", 0),
    ("readline",),
    ("readline",),
    ("read", 0),
    ("tell",),
    ("seek", 500),
    ("read", 3),
    ("tell",),
    ("seek", 0),
    ("read",),
    ("read", 1),
]


def _buffers(tmp_path):
    path = tmp_path / "part.bin"
    path.write_bytes(DATA)
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    return {"bytes": DATA, "memoryview of a map": memoryview(mapped)}


@pytest.mark.parametrize("kind", ["bytes", "memoryview of a map"])
def test_it_reads_as_bytesio_does(tmp_path, kind):
    part, expected = _MappedPart(_buffers(tmp_path)[kind]), io.BytesIO(DATA)
    for name, *args in STEPS:
        assert getattr(part, name)(*args) == getattr(expected, name)(*args), (name, args)
    part.seek(18)
    assert pickle.load(part) == {"torque": [1.2, 1.3]}
    part.seek(0)
    assert list(part) == io.BytesIO(DATA).readlines()
    with pytest.raises(ValueError):
        part.seek(-1)


def test_an_index_in_memory_still_answers():
    storage = RamStorage()
    index = storage.create_index(SCHEMA)
    with index.writer() as writer:
        for n in range(30):
            writer.add_document(
                key=f"document:{n}:effective", kind="document", object_id=n, title=f"X{n} 扭力表"
            )
    with index.searcher() as searcher:
        assert searcher.document(key="document:7:effective")["object_id"] == 7
        assert searcher.doc_frequency("kind", "document") == 30
