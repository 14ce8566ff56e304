"""Logging, configured once, with secrets redacted from every record."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

_configured = False


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        msg = record.getMessage()
        redacted = msg
        for s in self.secrets:
            redacted = redacted.replace(s, "****")
        if redacted != msg:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    global _configured
    root = logging.getLogger()
    if not _configured:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        root.addHandler(handler)
        _configured = True
    flt = RedactingFilter(secrets)
    for h in root.handlers:
        for old in [f for f in h.filters if isinstance(f, RedactingFilter)]:
            h.removeFilter(old)
        h.addFilter(flt)
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
