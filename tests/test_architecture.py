"""The layers of DESIGN.md point one way: a module imports only from lower layers.

Stage modules of one layer do not import each other either. A module that is not in LAYERS fails
the test, so a new module has to be placed on the map deliberately.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "compare"

LAYERS = {
    "__init__": 0,
    "errors": 0,
    "models": 0,
    "wordlists": 0,
    "hashing": 0,
    "plain": 0,
    "durations": 0,
    "markup": 0,
    "config": 1,
    "sources": 1,
    "sources_writer": 2,
    "charset": 1,
    "urls": 1,
    "files": 1,
    "store": 2,
    "fetch": 2,
    "extract": 2,
    "language": 2,
    "passages": 2,
    "versions": 2,
    "embed": 2,
    "syntax": 2,
    "demoweb": 2,
    "lexicons": 2,
    "events": 3,
    "align": 3,
    "reprints": 3,
    "framing": 4,
    "view": 5,
    "report": 6,
    "query": 6,
    "pipeline": 7,
    "evaluate": 7,
    "cli": 8,
    "service": 8,
    "__main__": 9,
}

# Deliberate arrows inside one layer: the language detector is an adapter that only the
# extraction stage uses (it has its own module because it wraps its own third-party library).
# The `serve` command starts the web service (the service never imports the command line).
SAME_LAYER_ALLOWED = {("extract", "language"), ("cli", "service")}

MAX_LINES = 800


def _component(module: str) -> str:
    """``compare.store.db`` -> ``store``; ``compare`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "compare"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "compare":
                if target == "compare":
                    found += [(node.lineno, f"compare.{a.name}") for a in node.names]
                else:
                    found.append((node.lineno, target))
    return found


MODULES = _modules()


def test_every_module_is_on_the_map() -> None:
    unknown = sorted({_component(m) for m, _ in MODULES} - set(LAYERS))
    assert not unknown, f"place these in LAYERS (tests/test_architecture.py): {unknown}"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down(module: str, path: Path) -> None:
    own = _component(module)
    problems = []
    for line, target in _imports(path, module):
        other = _component(target)
        if other == own or other not in LAYERS or own not in LAYERS:
            continue
        if own == "__init__" and module == "compare":
            problems.append(f"{path.name}:{line} package root imports {target}")
        elif LAYERS[other] > LAYERS[own]:
            problems.append(f"{path.name}:{line} {own} (L{LAYERS[own]}) imports {target} (L{LAYERS[other]})")
        elif (
            LAYERS[other] == LAYERS[own]
            and other not in ("errors", "models")
            and (own, other) not in SAME_LAYER_ALLOWED
        ):
            problems.append(f"{path.name}:{line} {own} imports {target}: same layer L{LAYERS[own]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_modules_stay_small(module: str, path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by the noun it owns"


def test_the_map_catches_an_upward_import(tmp_path: Path) -> None:
    fake = tmp_path / "models.py"
    fake.write_text("from compare.store import Store\n", encoding="utf-8")
    ((_, target),) = _imports(fake, "compare.models")
    assert LAYERS[_component(target)] > LAYERS[_component("compare.models")]


_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|PRAGMA|WITH)\s", re.IGNORECASE)
_SQL_WORDS = re.compile(r"\b(FROM|INTO|SET|WHERE|TABLE|JOIN|VALUES)\b")


def _sql_strings(path: Path) -> list[tuple[int, str]]:
    """String literals (f-strings too) that read as SQL statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            text = "".join(p for p in parts if isinstance(p, str))
        else:
            continue
        if _SQL.match(text) and _SQL_WORDS.search(text):
            found.append((node.lineno, text.strip().splitlines()[0][:60]))
    return found


OUTSIDE_STORE = [(m, p) for m, p in MODULES if _component(m) != "store"]


@pytest.mark.parametrize(("module", "path"), OUTSIDE_STORE, ids=[m for m, _ in OUTSIDE_STORE])
def test_sql_lives_in_the_store(module: str, path: Path) -> None:
    found = _sql_strings(path)
    assert not found, f"{module}: SQL outside compare/store/ (ask the store for it by name): {found}"


@pytest.mark.parametrize(("module", "path"), OUTSIDE_STORE, ids=[m for m, _ in OUTSIDE_STORE])
def test_the_database_handle_is_private(module: str, path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "_db"]
    assert not used, f"{module} reaches into the store's database handle at lines {used}"


def test_the_sql_check_catches_a_statement(tmp_path: Path) -> None:
    fake = tmp_path / "x.py"
    fake.write_text('q = f"SELECT id FROM events WHERE id = {1}"\nnote = "select the best one"\n')
    assert {line for line, _ in _sql_strings(fake)} == {1}


def test_tests_take_conftest_helpers_as_fixtures() -> None:
    """``from conftest import …`` picks whichever conftest.py was imported first (tests/report/
    has its own): the whole suite then fails to collect. Helpers are fixtures."""
    tests = Path(__file__).resolve().parent
    found = [
        str(p.relative_to(tests))
        for p in sorted(tests.rglob("*.py"))
        if re.search(r"^\s*(from conftest import|import conftest)", p.read_text(encoding="utf-8"), re.M)
    ]
    assert not found, found
