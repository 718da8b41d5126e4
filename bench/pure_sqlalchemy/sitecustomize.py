"""Put this folder on PYTHONPATH to run SQLAlchemy without its compiled
(Cython) modules: each ``sqlalchemy.*._*_cy`` module is loaded from the
``.py`` source installed beside it, the same code run by the interpreter.

For A/B runs of the soak (issue 20's SIGSEGV):
``python -m bench.soak --server-env PYTHONPATH=$PWD/bench/pure_sqlalchemy``.
A crash that stays away without the compiled modules points at them.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys


class _SourceOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if not fullname.startswith("sqlalchemy.") or not fullname.rsplit(".", 1)[-1].endswith("_cy"):
            return None
        for folder in path or ():
            source = os.path.join(folder, fullname.rsplit(".", 1)[-1] + ".py")
            if os.path.isfile(source):
                return importlib.util.spec_from_file_location(fullname, source)
        return None


sys.meta_path.insert(0, _SourceOnly())
