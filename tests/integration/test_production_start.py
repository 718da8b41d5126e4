"""scripts/production.sh refuses a login throttle that each worker would
count on its own (issue 20: the throttle is shared in the production shape)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOCTRACK_")}
    base.update({"DOCTRACK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "DOCTRACK_SECRET_KEY": "k" * 40,
                 "DOCTRACK_INSTANCE_DIR": str(tmp_path / "instance"), "DOCTRACK_STORAGE_DIR": str(tmp_path / "s"),
                 **env})
    return subprocess.run(["bash", str(ROOT / "scripts" / "production.sh")], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=300)


def test_per_process_throttle_counting_is_refused(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 2
    assert "DOCTRACK_RATELIMIT_STORAGE_URI" in result.stderr and "redis://" in result.stderr
    assert not (tmp_path / "x.db").exists()  # refused before touching the database
    result = start(tmp_path, DOCTRACK_RATELIMIT_STORAGE_URI="memory://")
    assert result.returncode == 2
