"""The folder tree is the architecture: these tests keep dependencies pointing one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> top-level modules it must never import
FORBIDDEN = {
    "rooms": {
        "aiohttp",
        "socketio",
        "engineio",
        "aiortc",
        "aioice",
        "av",
        "server",
        "web",
        "signaling",
        "jinja2",
    },
    # server -> web, server -> signaling -> rooms, web -> rooms: nothing points back.
    "signaling": {"server", "web"},
    "web": {"server", "signaling"},
}


def imports_of(path: Path) -> set[str]:
    return imported_packages(path.read_text(encoding="utf-8"))


def imported_packages(source: str) -> set[str]:
    """Top-level packages named by every import in the module, also inside functions and
    `if TYPE_CHECKING:` blocks (a cycle for mypy is a cycle)."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imports_of(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if imports_of(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_the_check_sees_every_kind_of_import() -> None:
    source = """
import web.keys
from server.keys import STORE
def late():
    from signaling import protocol
if TYPE_CHECKING:
    import rooms.models as models
from . import sibling
"""
    assert imported_packages(source) == {"web", "server", "signaling", "rooms"}


def test_every_package_is_checked() -> None:
    """A new top-level package of ours must be placed in the picture, not slip past it."""
    ours = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert ours - {"tests", "bench", "scripts"} == set(FORBIDDEN) | {"server"}


def test_no_module_level_mutable_state_in_handlers() -> None:
    """State reaches code through app keys; a module-level dict of rooms is a bug magnet."""
    offenders = []
    for package in ("server", "signaling", "web"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    value = node.value
                    if isinstance(value, ast.Dict | ast.List | ast.Set) and not _constant_name(
                        node
                    ):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def _constant_name(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return all(isinstance(t, ast.Name) and t.id.isupper() for t in targets)


# Packages whose __init__ holds code of its own, and why: the store picks a backend by URL,
# and each backend composes its area mixins into the one store class.
INIT_WITH_CODE = {"rooms/store", "rooms/store/sqlite", "rooms/store/redis"}


def test_package_inits_follow_one_convention() -> None:
    """A package's __init__ opens with a docstring saying what the package holds; it
    re-exports names (listed in a tuple `__all__`) or nothing, and defines nothing."""
    offenders = []
    for package in ("rooms", "signaling", "server", "web", "bench", "tests"):
        for path in (ROOT / package).rglob("__init__.py"):
            where = str(path.parent.relative_to(ROOT))
            if where.startswith("bench/.cache"):  # the bench's copy of the reference peers
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if ast.get_docstring(tree) is None:
                offenders.append(f"{where}: no docstring")
            for node in tree.body:
                exported = isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
                )
                if exported and not isinstance(node.value, ast.Tuple):  # type: ignore[union-attr]
                    offenders.append(f"{where}: __all__ is not a tuple")
                defines = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                if defines and where not in INIT_WITH_CODE:
                    offenders.append(f"{where}: defines {node.name}")  # type: ignore[union-attr]
    assert offenders == []
