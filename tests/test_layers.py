"""The layering rules of issue 17, read from the source (no module is imported):

* an import inside a function says why, in a comment on its line or the line above (a comment above a run of
  consecutive imports covers the run);
* the use cases (bot/services) never import discord, not even through another module of the project;
* bot/scheduler.py reaches no extension (bot.exts.*): job bodies that need Discord are registered by the
  extensions in bot.job_bodies;
* bot/scheduler.py reaches no module importing discord: its own jobs are service functions whose posts go through
  the outbox.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "db")


def _modules() -> dict[str, Path]:
    """Every module of the project by dotted name (``bot.services`` for bot/services/__init__.py)."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _function_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            walk(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    walk(tree, False)
    return found


def _has_comment(line: str) -> bool:
    """A ``#`` outside a string literal (good enough for import lines and comment lines)."""
    return "#" in line.split('"')[0].split("'")[0]


def unexplained_function_imports(path: Path, root: Path = ROOT) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    imports = _function_imports(_tree(path))
    explained: set[int] = set()  # line numbers of explained imports
    bad = []
    for node in sorted(imports, key=lambda n: n.lineno):
        end = node.end_lineno or node.lineno
        own = any(_has_comment(lines[i - 1]) for i in range(node.lineno, end + 1))
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        covered = above.startswith("#") or (node.lineno - 1) in explained
        if own or covered:
            explained.update(range(node.lineno, end + 1))
        else:
            bad.append(f"{path.relative_to(root)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return bad


def test_every_import_inside_a_function_says_why() -> None:
    bad = [line for path in MODULES.values() for line in unexplained_function_imports(path)]
    assert not bad, "imports inside a function without a comment saying why (or move them to the top):\n" + \
        "\n".join(bad)


def test_the_check_sees_a_bare_function_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n"
        "    import json\n"  # bare: reported
        "\n"
        "    # lazy: a reason\n"
        "    import csv\n"
        "    import zipfile\n"  # covered by the comment above the run
        "    import sqlite3  # lazy: another reason\n"
        "\n"
        "    import ssl\n"  # a blank line ends the run: reported
        "    return json, csv, zipfile, sqlite3, ssl\n",
        encoding="utf-8",
    )
    bad = unexplained_function_imports(sample, root=tmp_path)
    assert bad == ["sample.py:2: import json", "sample.py:9: import ssl"]


def _imported_names(module: str) -> set[str]:
    """Every module ``module`` names in an import statement, at any level (TYPE_CHECKING blocks and function
    bodies included): ``from a.b import c`` gives ``a.b`` and, when it is a module of the project, ``a.b.c``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return names


def _with_parents(name: str) -> list[str]:
    """``bot.services.deals.queries`` also runs ``bot/__init__``, ``bot/services/__init__``, …"""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def import_chain(start: str, forbidden: str) -> list[str] | None:
    """The first chain of imports from ``start`` to ``forbidden`` (or one of its submodules), or None."""
    seen = {start}
    todo: list[list[str]] = [[start]]
    while todo:
        chain = todo.pop(0)
        for name in sorted(_imported_names(chain[-1])):
            if name == forbidden or name.startswith(forbidden + "."):
                return [*chain, name]
            for step in _with_parents(name):
                if step in MODULES and step not in seen:
                    seen.add(step)
                    todo.append([*chain, step])
    return None


def test_services_never_import_discord() -> None:
    services = [m for m in MODULES if m.startswith("bot.services.")]
    assert services
    chains = [c for m in services if (c := import_chain(m, "discord"))]
    assert not chains, "a use case reaches discord:\n" + "\n".join(" -> ".join(c) for c in chains)


def test_the_scheduler_imports_no_extension() -> None:
    chain = import_chain("bot.scheduler", "bot.exts")
    assert chain is None, "bot/scheduler.py reaches an extension: " + " -> ".join(chain or [])


def test_the_scheduler_never_imports_discord() -> None:
    chain = import_chain("bot.scheduler", "discord")
    assert chain is None, "bot/scheduler.py reaches discord: " + " -> ".join(chain or [])


def test_the_import_chain_finds_an_indirect_import() -> None:
    # bot.runner builds the Discord client: the walk must see discord through the project's own modules too
    assert import_chain("bot.runner", "discord") is not None
    # ``from bot.services import health`` (inside a function) names the submodule
    assert import_chain("bot.cli", "bot.services.health") == ["bot.cli", "bot.services.health"]


def _feature(module: str) -> str | None:
    """``bot.exts.deals.register`` -> ``deals``; None outside the extensions."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["bot", "exts"] else None


def test_an_extension_never_imports_another_features_extension() -> None:
    crossings = [
        f"{module} -> {name}"
        for module in MODULES
        if (own := _feature(module)) is not None
        for name in sorted(_imported_names(module))
        if (other := _feature(name)) is not None and other != own
    ]
    assert not crossings, "what two features share lives below them (bot/cards, bot/services):\n" + "\n".join(crossings)


def test_cards_web_and_services_never_import_an_extension() -> None:
    below = [m for m in MODULES if m.split(".")[:2] in (["bot", "cards"], ["bot", "web"], ["bot", "services"])]
    assert below
    chains = [c for m in below if (c := import_chain(m, "bot.exts"))]
    assert not chains, "a layer below the extensions reaches one:\n" + "\n".join(" -> ".join(c) for c in chains)
