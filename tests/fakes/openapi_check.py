"""Request-body validation against a vendor's published OpenAPI document, shared by the fakes.

The fakes refuse what the real services would refuse: each request body is checked against the
operation's ``requestBody`` schema in the vendor's own spec (``../shared/discord-openapi/``,
``../shared/hubspot-openapi/``), with ``openapi-schema-validator`` (jsonschema underneath; OAS 3.0
``nullable`` and OAS 3.1 dialects). A spec is read and its validators built once per process
(:func:`load`): the suite starts many fakes and the Discord document alone is 1 MB.

The problems come back as :class:`Problem` (field path, JSON-schema keyword, the limit) so that each
fake can word its refusal the way its vendor does.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30Validator, OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# ../shared beside the repository (the repository root is two levels up from tests/fakes/)
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"

_METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class Problem:
    """One refusal: where (``("data", "components", 1, "label")``), which keyword, and its limit."""

    path: tuple[str | int, ...]
    keyword: str
    limit: Any = None
    value: Any = None

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in self.path) or "(body)"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    validator: Any | None  # None: the operation takes no JSON body


class Spec:
    """The operations of one or more OpenAPI documents, matched by method and concrete path."""

    def __init__(self, operations: list[Operation]) -> None:
        # literal segments win over parameters: /messages/@original before /messages/{message_id}
        self.operations = sorted(operations, key=lambda o: (o.template.count("{"), -len(o.template)))

    def operation(self, method: str, path: str) -> Operation | None:
        m = method.lower()
        return next((o for o in self.operations if o.method == m and o.regex.fullmatch(path)), None)

    def problems(self, method: str, path: str, body: Any) -> list[Problem] | None:
        """None when the spec has no such operation; else what is wrong with ``body`` (empty: fine)."""
        op = self.operation(method, path)
        if op is None:
            return None
        if op.validator is None:
            return []
        return problems_of(op.validator, body)


def problems_of(validator: Any, instance: Any) -> list[Problem]:
    """The most specific problems jsonschema finds, with unions resolved by their discriminant."""
    out: list[Problem] = []
    for error in validator.iter_errors(instance):
        out.extend(_leaves(error))
    return out


def validator_for(spec: Spec, method: str, template: str) -> Any:
    op = next(o for o in spec.operations if o.method == method.lower() and o.template == template)
    return op.validator


def _mismatched(errors: list[ValidationError]) -> bool:
    """True when a union branch fails on its discriminant (``type`` / an enum on it) or on the
    instance's own JSON type: that branch is not what the sender meant."""
    for e in errors:
        rel = list(e.relative_path)
        if not rel and e.validator == "type":
            return True
        if rel == ["type"] and e.validator in ("enum", "const", "type"):
            return True
        if not rel and e.validator == "required" and "'type'" in e.message:
            return True
    return False


def _type_errors(error: ValidationError) -> int:
    if error.validator == "type":
        return 1
    return sum(_type_errors(e) for e in error.context or [])


def _leaves(error: ValidationError) -> list[Problem]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [errs for errs in branches.values() if not _mismatched(errs)]
        if meant:
            # a JSON-type mismatch anywhere in a branch hints it is not the one meant
            chosen = min(meant, key=lambda errs: (sum(_type_errors(e) for e in errs), len(errs)))
            return [p for sub in chosen for p in _leaves(sub)]
        return [Problem(tuple(error.absolute_path), "union", None, error.instance)]
    path = tuple(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'(.+?)' is a required property", error.message)
        return [Problem(path + ((missing.group(1),) if missing else ()), "required")]
    return [Problem(path, str(error.validator), error.validator_value, error.instance)]


def _path_regex(template: str, aliases: dict[str, str]) -> re.Pattern[str]:
    out = ""
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{"):
            out += r"[^/]+"
        else:
            escaped = re.escape(piece)
            for literal, alternative in aliases.items():
                escaped = escaped.replace(re.escape(literal), alternative)
            out += escaped
    return re.compile(out + "/?")


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        sys.exit(f"OpenAPI spec missing: {path} (the fakes validate request bodies against it; expected ../shared beside the repository)")
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def load(files: tuple[str, ...], relax: Callable[[dict[str, Any]], None],
         aliases: tuple[tuple[str, str], ...] = ()) -> Spec:
    """The spec of ``files`` (paths relative to ``../shared``), once per process. ``relax`` edits each
    document before compiling (each fake lists its relaxations and why); ``aliases`` let a literal
    path piece match alternatives (HubSpot's ``0-3`` is ``deals`` in the SDK's paths)."""
    operations: list[Operation] = []
    for name in files:
        doc = _read(SHARED / name)
        relax(doc)
        _dispatch_unions(doc)
        oas31 = str(doc.get("openapi", "3.0")).startswith("3.1")
        uri = f"urn:spec:{name}"
        registry: Registry = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT202012))
        cls = _OAS31 if oas31 else _OAS30
        for template, item in doc.get("paths", {}).items():
            for method in _METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                content = (op.get("requestBody") or {}).get("content") or {}
                validator = None
                if "application/json" in content or "multipart/form-data" in content:
                    media = "application/json" if "application/json" in content else "multipart/form-data"
                    pointer = "/".join(["#", "paths", _escape(template), method, "requestBody", "content",
                                        _escape(media), "schema"])
                    validator = cls({"$ref": uri + pointer}, registry=registry)
                operations.append(Operation(method, template, _path_regex(template, dict(aliases)), validator))
    return Spec(operations)


def _discriminant(doc: dict[str, Any], branch: Any) -> Any:
    """The ``type`` values a ``$ref`` branch of a union requires (a tuple), else None."""
    ref = branch.get("$ref") if isinstance(branch, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/components/schemas/") or len(branch) != 1:
        return None
    target = doc["components"]["schemas"].get(ref.rsplit("/", 1)[1]) or {}
    prop = (target.get("properties") or {}).get("type") or {}
    values = prop.get("enum") if "enum" in prop else ([prop["const"]] if "const" in prop else None)
    if "type" not in (target.get("required") or []) or not isinstance(values, list) or not values:
        return None
    return tuple(values)


def _dispatch_unions(doc: dict[str, Any]) -> None:
    """Speed, not semantics: a union (``oneOf``/``anyOf``) whose branches are all objects told apart
    by disjoint constant ``type`` values (Discord's components, callbacks) becomes a dispatch on that
    value (keyword ``DISPATCH``), so a body is checked against its own branch only (and its errors
    name their real field) instead of against every branch; an unknown ``type`` meets the original
    union. A redundant ``allOf`` on
    an ``enum``-restricted property (Discord's ``type`` fields) is dropped: the enum already narrows it."""
    for node in list(walk_schemas(doc)):
        if "enum" in node and isinstance(node.get("allOf"), list) and all(
                isinstance(b, dict) and set(b) == {"$ref"} for b in node["allOf"]):
            del node["allOf"]
    for node in list(walk_schemas(doc)):
        for key in ("oneOf", "anyOf"):
            branches = node.get(key)
            if not isinstance(branches, list) or len(branches) < 3:
                continue
            values = [_discriminant(doc, b) for b in branches]
            if any(v is None for v in values) or len({x for v in values for x in v}) != sum(len(v) for v in values):
                continue
            node[DISPATCH] = {"key": key, "branches": branches,
                              "by": {v: i for i, vs in enumerate(values) for v in vs}}
            del node[key]


DISPATCH = "x-fake-dispatch-on-type"


def _dispatch_keyword(validator: Any, spec: dict[str, Any], instance: Any, _schema: Any) -> Iterable[ValidationError]:
    if isinstance(instance, dict) and not isinstance(instance.get("type"), bool):
        i = spec["by"].get(instance.get("type"))
        if i is not None:
            yield from validator.descend(instance, spec["branches"][i])
            return
    yield from validator.descend(instance, {spec["key"]: spec["branches"]})


_OAS30 = extend(OAS30Validator, {DISPATCH: _dispatch_keyword})
_OAS31 = extend(OAS31Validator, {DISPATCH: _dispatch_keyword})


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def walk_schemas(node: Any) -> Iterable[dict[str, Any]]:
    """Every schema object in a document (for relaxations that patch a pattern everywhere)."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk_schemas(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_schemas(v)
