"""HubSpot's failures as the bot sees them: typed errors, and how an SDK exception is read (status,
body, ``Retry-After``, a seat limit)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import urllib3

log = logging.getLogger(__name__)


class HubSpotError(Exception):
    """HubSpot answered with an error the caller should see (bad input, permissions, …)."""

    def __init__(
        self, message: str, *, status: int | None = None, category: str | None = None,
        correlation_id: str | None = None, body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.category = category
        self.correlation_id = correlation_id
        self.body = body



class HubSpotUnavailable(HubSpotError):
    """HubSpot could not be reached or kept failing (timeouts, 5xx, 429) after every retry."""



class HubSpotNotFound(HubSpotError):
    """The object does not exist (404)."""



class HubSpotSeatLimit(HubSpotError):
    """User provisioning refused: the account has no free seat (message is HubSpot's)."""



def _api_exception_types() -> tuple[type[BaseException], ...]:
    """The SDK's ``ApiException`` classes, one per API the gateway calls. Imported here, when a gateway is
    built: each generated SDK package costs about half a second, and importing this module (every service
    that names a HubSpot error, the tests' fakes) must not pay for them."""
    from hubspot.crm.associations.v4 import exceptions as assoc_exc  # lazy: see docstring
    from hubspot.crm.companies import exceptions as companies_exc  # lazy: see docstring
    from hubspot.crm.contacts import exceptions as contacts_exc  # lazy: see docstring
    from hubspot.crm.deals import exceptions as deals_exc  # lazy: see docstring
    from hubspot.crm.owners import exceptions as owners_exc  # lazy: see docstring
    from hubspot.crm.pipelines import exceptions as pipelines_exc  # lazy: see docstring
    from hubspot.settings.users import exceptions as users_exc  # lazy: see docstring

    return tuple(m.ApiException for m in (
        deals_exc, contacts_exc, companies_exc, owners_exc, assoc_exc, pipelines_exc, users_exc,
    ))



_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.HTTPError,  # ReadTimeoutError, ConnectTimeoutError, ProtocolError, MaxRetryError, …
    TimeoutError,
    ConnectionError,
)



def _error_body(exc: Any) -> Any:
    raw = getattr(exc, "body", None)
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw



def _header(exc: Any, name: str) -> str | None:
    headers = getattr(exc, "headers", None)
    if not headers:
        return None
    try:
        value = headers.get(name)
        return None if value is None else str(value)
    except AttributeError:  # pragma: no cover - plain mapping
        return dict(headers).get(name)



def _retry_after(exc: Any) -> float | None:
    raw = _header(exc, "Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None



def _is_seat_error(exc: HubSpotError) -> bool:
    if exc.status not in (400, 402, 403, 409):
        return False
    text = exc.message or ""
    if isinstance(exc.body, dict):
        text += " " + str(exc.body.get("subCategory") or "") + " " + json.dumps(exc.body.get("errors") or [])
    return "seat" in text.lower()
