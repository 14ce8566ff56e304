"""What HubSpot refuses: every request body the HubSpot fake receives is checked here against
HubSpot's own OpenAPI specs (``../shared/hubspot-openapi/*.json``) and refused the way HubSpot
refuses it (400, ``"category": "VALIDATION_ERROR"``, one entry per problem in ``errors``)."""

from __future__ import annotations

from typing import Any

from tests.fakes.openapi_check import Problem, Spec, load, walk_schemas

SPEC_FILES = tuple(f"hubspot-openapi/{name}.json" for name in (
    "deals", "contacts", "companies", "crmOwners", "associations", "pipelines", "userProvisioning", "leads"))

# the spec's literal path pieces, and what the SDK (and the fake) send instead
PATH_ALIASES = (
    ("/crm/v3/objects/0-3", "/crm/v3/objects/(?:0-3|deals)"),
    ("/settings/users/v3", "/settings/(?:users/v3|v3/users)"),
)

# Where the specs are stricter than the real API. Each entry: what is relaxed, and why.
RELAXATIONS: tuple[tuple[str, str], ...] = (
    ("PublicObjectSearchRequest.sorts items may be objects {propertyName, direction}",
     "the spec types them as strings, but the search API documents and accepts the object form, which is "
     "what the gateway sends (sorting by hs_object_id for stable paging)"),
    ("associations (object create), propertiesWithHistory (batch read), sendWelcomeEmail (user create) "
     "are not required",
     "the specs list them as required (the SDK's generated models need them), but HubSpot's own examples "
     "omit them and the API defaults them (no associations, no history, the welcome e-mail sent)"),
    ("PublicObjectSearchRequest: no field is required",
     "the spec marks after, filterGroups, limit, properties and sorts required; the API takes any of them "
     "omitted, and hubspot-api-client leaves out the ones that are None (no 'after' on the first page)"),
)


OPTIONAL_IN_PRACTICE = {"associations", "propertiesWithHistory", "sendWelcomeEmail"}


def _relax(doc: dict[str, Any]) -> None:
    for schema in walk_schemas(doc.get("components", {})):
        required = schema.get("required")
        if isinstance(required, list) and OPTIONAL_IN_PRACTICE & set(required):
            schema["required"] = [r for r in required if r not in OPTIONAL_IN_PRACTICE]
    search = doc.get("components", {}).get("schemas", {}).get("PublicObjectSearchRequest")
    if search is None:
        return
    search.pop("required", None)
    sorts = search.get("properties", {}).get("sorts")
    if sorts is not None:
        sorts["items"] = {"anyOf": [sorts.get("items", {"type": "string"}), {
            "type": "object", "required": ["propertyName"],
            "properties": {"propertyName": {"type": "string"},
                           "direction": {"type": "string", "enum": ["ASCENDING", "DESCENDING"]}}}]}


def spec() -> Spec:
    """HubSpot's specs, compiled once per process."""
    return load(SPEC_FILES, _relax, PATH_ALIASES)


def problems(method: str, path: str, body: Any) -> list[Problem] | None:
    """What HubSpot would refuse in ``body``; None when no spec describes ``method path``."""
    return spec().problems(method, path, body)


def describe(p: Problem) -> str:
    if p.keyword == "required":
        return f"{p.dotted}: required"
    if p.limit is not None:
        return f"{p.dotted}: {p.keyword} {p.limit!r} (got {p.value!r})"[:300]
    return f"{p.dotted}: invalid ({p.keyword})"


def error_body(found: list[Problem]) -> dict[str, Any]:
    """The ``message`` and ``errors`` of HubSpot's 400 (the caller adds status, category, correlationId)."""
    return {
        "message": "Invalid input JSON on line 1: " + "; ".join(describe(p) for p in found),
        "errors": [{"message": describe(p), "code": "INVALID_INPUT", "context": {"field": [p.dotted]}} for p in found],
    }
