"""One vocabulary: every kind and status the models can store is a member of an enum of
``bot.domain.enums``, the database refuses anything else, and the code writes and compares
these columns only with members (a literal such as "aprobado" where "aprobada" is meant fails here)."""

from __future__ import annotations

import ast
from datetime import date
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError

from db.models import Base, ExportRun
from db.types import EnumText

ROOT = Path(__file__).resolve().parents[2]
# columns that hold a vocabulary (a kind, a status, a state…): each must be an EnumText
VOCABULARY_COLUMNS = {"status", "state", "kind", "hubspot_check", "proof_status", "trigger", "target", "deal_type"}


def _enum_columns() -> dict[str, set[type[StrEnum]]]:
    """Column name → the enums of the columns with that name."""
    out: dict[str, set[type[StrEnum]]] = {}
    for table in Base.metadata.tables.values():
        for col in table.columns:
            if isinstance(col.type, EnumText):
                out.setdefault(col.name, set()).add(col.type.enum)
    return out


def test_every_vocabulary_column_is_an_enum_with_a_member_default():
    seen = 0
    for table in Base.metadata.tables.values():
        for col in table.columns:
            if col.name not in VOCABULARY_COLUMNS:
                continue
            seen += 1
            assert isinstance(col.type, EnumText), f"{table.name}.{col.name} is not an EnumText"
            if col.default is not None:
                assert col.default.arg in set(col.type.enum), f"{table.name}.{col.name} default {col.default.arg!r}"
    assert seen >= 20


def test_values_the_code_stores_are_members():
    """The values the code stored without an enum member before there was one vocabulary."""
    stored = {m.value for e in _enum_columns()["status"] for m in e}
    for value in ("cancelada", "hecha", "en_curso", "fallida", "retenido", "en_resumen", "respondida", "aceptada"):
        assert value in stored, value


def _model_columns() -> dict[str, dict[str, type[StrEnum]]]:
    """Model class name → column → its enum (``Approval.status == "aprobado"`` is checked against
    ApprovalStatus alone, ``x.status == …`` against every status enum)."""
    return {
        mapper.class_.__name__: {c.key: c.type.enum for c in mapper.columns if isinstance(c.type, EnumText)}
        for mapper in Base.registry.mappers
    }


# the same attribute names used for vocabularies that are not stored (with what they are)
NOT_STORED = {
    ("status", "ya_hecha"): "ExportOutcome.status: that date's export was already done",
    ("kind", "vencida"): "a renewal Event.kind",
}


def _literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [v for elt in node.elts for v in _literals(elt)]
    return []


def test_code_compares_and_writes_vocabulary_columns_with_members_only():
    """A string literal compared with ``x.status`` or passed as ``status=`` (and the other
    vocabulary columns) must be a value of that column's enum."""
    enums = _enum_columns()
    models = _model_columns()
    bad: list[str] = []
    files = [*sorted((ROOT / "bot").rglob("*.py")), *sorted((ROOT / "cogs").rglob("*.py"))]
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            pairs: list[tuple[str, ast.AST]] = []
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr in enums:
                pairs += [(node.left.attr, c) for c in node.comparators]
            elif isinstance(node, ast.Call):
                func = node.func
                method = func.attr if isinstance(func, ast.Attribute) else None
                if method in {"in_", "notin_"} and isinstance(func, ast.Attribute) and \
                        isinstance(func.value, ast.Attribute) and func.value.attr in enums:
                    pairs += [(func.value.attr, a) for a in node.args]
                if method == "values" or (isinstance(func, ast.Name) and func.id[:1].isupper()):
                    pairs += [(k.arg, k.value) for k in node.keywords if k.arg in enums]
            elif isinstance(node, ast.Assign):
                pairs += [(t.attr, node.value) for t in node.targets if isinstance(t, ast.Attribute) and t.attr in enums]
            for name, value in pairs:
                allowed = {m.value for e in enums[name] for m in e}
                owner = node.left.value if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) else None
                if isinstance(owner, ast.Name) and name in models.get(owner.id, {}):
                    allowed = {m.value for m in models[owner.id][name]}
                bad += [f"{path.relative_to(ROOT)}:{node.lineno} {name} {v!r}" for v in _literals(value)
                        if v not in allowed and (name, v) not in NOT_STORED]
    assert not bad, bad


async def test_the_database_refuses_a_value_outside_the_enum(sessionmaker):
    async with sessionmaker() as s:
        with pytest.raises(StatementError, match="is not a ExportStatus value"):
            await s.execute(insert(ExportRun).values(export_date=date(2026, 11, 21), trigger="cli", status="terminada"))
        await s.rollback()
        await s.execute(insert(ExportRun).values(export_date=date(2026, 11, 21), trigger="cli", status="hecha"))
        await s.commit()
        status = (await s.execute(select(ExportRun.status))).scalar_one()
    assert status == "hecha" and type(status).__name__ == "ExportStatus"
