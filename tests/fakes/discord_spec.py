"""What Discord refuses: every request body the Discord fake receives is checked here against
Discord's OpenAPI spec (``../shared/discord-openapi/openapi.json``) plus the limits the spec leaves
loose, and refused the way Discord refuses it::

    HTTP 400 {"code": 50035, "message": "Invalid Form Body",
              "errors": {"data": {"components": {"1": {"label": {"_errors": [
                  {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 45 or fewer in length."}]}}}}}}

Tests use :func:`problems` / :func:`assert_valid` directly to check payloads the bot can build
(the same function the fake applies to what it receives).
"""

from __future__ import annotations

from typing import Any

from tests.fakes.openapi_check import Problem, Spec, load

SPEC_FILE = "discord-openapi/openapi.json"

# Where the spec is stricter than the real API. Each entry: what is relaxed, and why.
RELAXATIONS: tuple[tuple[str, str], ...] = (
    ("SnowflakeType also accepts a non-negative integer",
     "the spec types snowflakes as decimal strings, but Discord's API reads integers too, and discord.py "
     "sends integers (message_reference.message_id, allowed_mentions.users, the attachment ids of "
     "multipart uploads, which are the file's index)"),
)

# The limits the spec leaves loose (checked in addition to the schema), as Discord documents them.
CONTENT_MAX = 2000  # the spec allows 4000 in MessageCreateRequest (Nitro users); bots get 2000
EMBEDS_TOTAL_MAX = 6000  # title + description + field names and values + footer + author, all embeds
MODAL_COMPONENTS_MAX = 5  # the spec allows 40 top-level modal components; Discord renders 5
ACTION_ROWS_MAX = 5  # top-level components of a message without the Components V2 flag
IS_COMPONENTS_V2 = 1 << 15


def _relax(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}


def spec() -> Spec:
    """Discord's spec, compiled once per process."""
    return load((SPEC_FILE,), _relax)


# ---- the limits the spec leaves loose -----------------------------------------------------------
def _message_limits(msg: Any, at: tuple[str | int, ...]) -> list[Problem]:
    if not isinstance(msg, dict):
        return []
    out: list[Problem] = []
    content = msg.get("content")
    if isinstance(content, str) and len(content) > CONTENT_MAX:
        out.append(Problem(at + ("content",), "maxLength", CONTENT_MAX, content))
    embeds = msg.get("embeds") or []
    total = 0
    for i, e in enumerate(embeds if isinstance(embeds, list) else []):
        if not isinstance(e, dict):
            continue
        total += len(e.get("title") or "") + len(e.get("description") or "")
        total += len(((e.get("footer") or {}).get("text")) or "") + len(((e.get("author") or {}).get("name")) or "")
        for j, f in enumerate(e.get("fields") or []):
            if not isinstance(f, dict):
                continue
            total += len(f.get("name") or "") + len(f.get("value") or "")
            for key in ("name", "value"):
                if isinstance(f.get(key), str) and not f[key].strip():
                    out.append(Problem(at + ("embeds", i, "fields", j, key), "required"))
    if total > EMBEDS_TOTAL_MAX:
        out.append(Problem(at + ("embeds",), "embedSize", EMBEDS_TOTAL_MAX, total))
    components = msg.get("components") or []
    flags = int(msg.get("flags") or 0)
    if isinstance(components, list) and not flags & IS_COMPONENTS_V2 and len(components) > ACTION_ROWS_MAX:
        out.append(Problem(at + ("components",), "maxItems", ACTION_ROWS_MAX, components))
    return out


def _loose_limits(method: str, path: str, body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return []
    if path.endswith("/callback"):
        data = body.get("data")
        if body.get("type") in (4, 7):
            return _message_limits(data, ("data",))
        if body.get("type") == 9 and isinstance(data, dict) and len(data.get("components") or []) > MODAL_COMPONENTS_MAX:
            return [Problem(("data", "components"), "maxItems", MODAL_COMPONENTS_MAX)]
        return []
    if "/messages" in path or path.startswith("/webhooks/"):
        return _message_limits(body, ())
    return []


def problems(method: str, path: str, body: Any) -> list[Problem] | None:
    """What Discord would refuse in ``body`` sent as ``method path`` (``path`` relative to
    ``/api/v10``); None when the spec has no such operation."""
    found = spec().problems(method, path, body)
    if found is None:
        return None
    unique: dict[tuple[Any, ...], Problem] = {}
    for p in found + _loose_limits(method, path, body):
        unique.setdefault((p.path, p.keyword), p)
    return list(unique.values())


def assert_valid(method: str, path: str, body: Any) -> None:
    found = problems(method, path, body)
    assert found is not None, f"{method} {path}: not an operation of Discord's API"
    assert not found, f"Discord would refuse {method} {path}: " + "; ".join(describe(p) for p in found)


# ---- Discord's wording ---------------------------------------------------------------------------
def _error(p: Problem) -> dict[str, str]:
    k, n = p.keyword, p.limit
    if k in ("maxLength", "maxItems"):
        return {"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {n} or fewer in length."}
    if k in ("minLength", "minItems"):
        return {"code": "BASE_TYPE_MIN_LENGTH", "message": f"Must be {n} or more in length."}
    if k == "required":
        return {"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}
    if k == "embedSize":
        return {"code": "MAX_EMBED_SIZE_EXCEEDED", "message": f"Embed size exceeds maximum size of {n}"}
    if k in ("enum", "const"):
        return {"code": "BASE_TYPE_CHOICES", "message": f"Value must be one of {n}."}
    if k == "maximum":
        return {"code": "NUMBER_TYPE_MAX", "message": f"int value should be less than or equal to {n}."}
    if k == "minimum":
        return {"code": "NUMBER_TYPE_MIN", "message": f"int value should be greater than or equal to {n}."}
    if k == "pattern":
        return {"code": "STRING_TYPE_REGEX", "message": "String value did not match validation regex."}
    if k == "type":
        return {"code": "BASE_TYPE_CONVERT", "message": f"Could not interpret {p.value!r} as {n}."}
    if k == "union":
        return {"code": "UNION_TYPE_CHOICES", "message": "Value of field \"type\" must be one of the allowed types."}
    return {"code": "BASE_TYPE_INVALID", "message": f"Invalid value ({k})."}


def describe(p: Problem) -> str:
    return f"{p.dotted}: {_error(p)['message']}"


def form_errors(found: list[Problem]) -> dict[str, Any]:
    """Discord's nested ``errors`` object: one key per path segment, ``_errors`` at the leaf."""
    root: dict[str, Any] = {}
    for p in found:
        node = root
        for part in p.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append(_error(p))
    return root
