"""The direction of imports inside app/ (ARCHITECTURE.md): services never
import HTTP code, documents know neither approval nor issues nor the
features that react to them, auth knows no documents, and no module is
loaded from a string. Checked by walking every module's imports, those
inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
# Modules that are HTTP code: pages, the JSON API, request-level glue.
HTTP = ("app.api", "app.error_handlers")


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_http(module: str) -> bool:
    return module.startswith(HTTP) or module.endswith("views") or module.endswith("_views") \
        or module == "app.main_views"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "app" or name.startswith("app.")}


MODULES = {module_name(p): imports_of(p) for p in sorted(APP.rglob("*.py"))}


def offenders(where, forbidden) -> list[str]:
    return sorted(f"{module} imports {name}" for module, names in MODULES.items() if where(module)
                  for name in names if forbidden(name))


def in_package(package: str):
    return lambda module: module == package or module.startswith(package + ".")


def test_the_walk_sees_the_app():
    assert len(MODULES) > 40
    assert "app.documents.service" in MODULES and "app.documents.policy" in MODULES["app.documents.service"]


def test_services_never_import_http_code():
    services = lambda m: not is_http(m) and m not in ("app", "app.cli") and not m.endswith(".cli")  # noqa: E731
    assert offenders(services, is_http) == []


@pytest.mark.parametrize("package, forbidden", [
    ("app.documents", ("app.approval", "app.issues", "app.search", "app.notify", "app.backup")),
    ("app.auth", ("app.documents", "app.approval", "app.issues", "app.search")),
    ("app.storage", ("app.documents", "app.approval", "app.issues", "app.search")),
    ("app.policy", ("app.documents", "app.approval", "app.issues", "app.search", "app.auth")),
])
def test_arrows_point_down(package, forbidden):
    # Command-line modules are thin callers like views (flask storage gc asks documents which blobs are used).
    inside = lambda m: in_package(package)(m) and not m.endswith(".cli")  # noqa: E731
    assert offenders(inside, lambda name: name.startswith(forbidden)) == []


def test_no_module_is_loaded_from_a_string():
    calls = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                    "import_module", "__import__"):
                calls.append(f"{module_name(path)}:{node.lineno}")
    assert calls == []


def test_no_feature_list_is_filled_at_import_time():
    """Extension points are registered in create_app (app.hooks), not by a
    module appending to another module's list when it is imported."""
    found = []
    for path in APP.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                    and getattr(node.value.func, "attr", "") in ("append", "extend", "connect"):
                found.append(f"{module_name(path)}:{node.lineno}")
    assert found == []
