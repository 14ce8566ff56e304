"""Logging, configured once, with secrets redacted from every record."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

_configured = False


class JsonFormatter(logging.Formatter):
    """One JSON object a line (``LOG_FORMAT=json``): time (UTC), level, logger, message[, exc]."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_failure(logger: logging.Logger, bot: Any, msg: str, *args: object) -> None:
    """Log a failure caught in background work (call inside ``except``): with its traceback, unless
    the bot is shutting down (say the server check failed at start-up while a start-up pass was still
    running), where the pass was only cut short and one line says so (the traceback at DEBUG)."""
    closing = getattr(bot, "is_closed", None)
    if callable(closing) and closing():
        exc = sys.exc_info()[1]
        logger.info(msg + " (cut short by the shutdown: %s)", *args, " ".join(f"{type(exc).__name__}: {exc}".split())[:200])
        logger.debug("Traceback", exc_info=True)
        return
    logger.exception(msg, *args)


class ReconnectFilter(logging.Filter):
    """discord.py logs every gateway reconnect attempt with ``log.exception`` (a traceback at ERROR each
    retry). Below DEBUG it becomes one WARNING line naming the cause."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "discord.client" and record.msg.startswith("Attempting a reconnect") and record.exc_info:
            exc = record.exc_info[1]
            cause = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            notice = record.getMessage()  # "Attempting a reconnect in 5.00s"
            record.msg, record.args = f"Discord connection lost ({cause}); {notice}", None
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        elif (record.name.startswith("sqlalchemy.pool") and record.exc_info
              and isinstance(record.exc_info[1], asyncio.CancelledError)):
            # a connection being returned while the bot shuts down (say the server check failed at
            # start-up): its reset was cancelled; nothing is lost, one line says so
            record.msg, record.args = "Database connection closed by the shutdown (reset cancelled)", None
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


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


def setup_logging(level: str = "INFO", secrets: Iterable[str] = (), fmt: str = "text") -> None:
    """Logs go to stderr (the container's / journald's stream): text, or JSON lines with ``fmt="json"``."""
    global _configured
    root = logging.getLogger()
    if not _configured:
        root.addHandler(logging.StreamHandler(sys.stderr))
        _configured = True
    formatter = JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    flt = RedactingFilter(secrets)
    for h in root.handlers:
        if isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) in (sys.stderr, sys.stdout):
            h.setFormatter(formatter)
        for old in [f for f in h.filters if isinstance(f, (RedactingFilter, ReconnectFilter))]:
            h.removeFilter(old)
        if level != "DEBUG":
            h.addFilter(ReconnectFilter())
        h.addFilter(flt)
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
