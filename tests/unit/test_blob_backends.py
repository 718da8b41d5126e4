"""The blob store interface: the local directory backend implements it, the
configured backend is chosen by name, and two nodes sharing the directory
see each other's blobs."""

from __future__ import annotations

import io

import pytest

from app import storage
from app.storage import BlobStore, LocalBlobStore, store_for


def test_the_local_store_implements_the_interface(tmp_path):
    assert isinstance(LocalBlobStore(tmp_path), BlobStore)
    assert isinstance(store_for({"STORAGE_DIR": str(tmp_path)}), LocalBlobStore)


def test_an_unknown_backend_is_refused_by_name(tmp_path):
    with pytest.raises(RuntimeError, match="DOCTRACK_STORAGE_BACKEND='s3' is not a storage backend"):
        store_for({"STORAGE_DIR": str(tmp_path), "STORAGE_BACKEND": "s3"})


def test_a_registered_backend_is_used(tmp_path, monkeypatch):
    made = []
    monkeypatch.setitem(storage.BACKENDS, "other", lambda config: made.append(config) or LocalBlobStore(tmp_path))
    store_for({"STORAGE_BACKEND": "other"})
    assert made == [{"STORAGE_BACKEND": "other"}]


def test_two_nodes_on_one_shared_directory(tmp_path):
    node_a, node_b = LocalBlobStore(tmp_path / "shared"), LocalBlobStore(tmp_path / "shared")
    staged = node_a.stage(io.BytesIO(b"uploaded through node A"), 1000)
    assert node_a.put_file(staged.path, staged.sha256)
    assert node_b.exists(staged.sha256)
    assert node_b.read_bytes(staged.sha256) == b"uploaded through node A"
    assert node_b.verify(staged.sha256)
    # The same bytes uploaded through node B are not stored twice.
    again = node_b.stage(io.BytesIO(b"uploaded through node A"), 1000)
    assert not node_b.put_file(again.path, again.sha256)
    assert list(node_a.iter_hashes()) == [staged.sha256]
