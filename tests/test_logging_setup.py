"""LOG_FORMAT=json and discord.py's reconnect notices as one WARNING line."""

from __future__ import annotations

import json
import logging

from bot.logging_setup import JsonFormatter, ReconnectFilter


def record(name: str, level: int, msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, None) if exc else None
    return logging.LogRecord(name, level, __file__, 1, msg, args, info)


def test_json_lines():
    line = JsonFormatter().format(record("bot.runner", logging.INFO, "Ready: guild «%s»", "Sense"))
    data = json.loads(line)
    assert data["level"] == "INFO" and data["logger"] == "bot.runner" and data["message"] == "Ready: guild «Sense»"
    assert data["time"].endswith("+00:00") and "\n" not in line


def test_reconnect_traceback_becomes_one_warning():
    r = record("discord.client", logging.ERROR, "Attempting a reconnect in %.2fs", 5.0,
               exc=OSError("Connect call failed ('162.159.135.232', 443)"))
    assert ReconnectFilter().filter(r)
    assert r.levelname == "WARNING" and r.exc_info is None
    assert r.getMessage() == ("Discord connection lost (OSError: Connect call failed ('162.159.135.232', 443)); "
                              "Attempting a reconnect in 5.00s")


def test_other_errors_keep_their_traceback():
    r = record("bot.app", logging.ERROR, "Unexpected error ref=%s", "AB12", exc=ValueError("x"))
    assert ReconnectFilter().filter(r)
    assert r.levelname == "ERROR" and r.exc_info is not None


def test_a_failure_while_the_bot_shuts_down_is_one_line(caplog):
    """A start-up pass cut short by the shutdown (the server check failed meanwhile) logs one line,
    not a traceback; while running, the same failure keeps its traceback."""
    import logging

    from bot.logging_setup import log_failure

    class Bot:
        closed = False

        def is_closed(self) -> bool:
            return self.closed

    logger, bot = logging.getLogger("ventas.test"), Bot()
    with caplog.at_level(logging.INFO, logger="ventas.test"):
        for closed in (False, True):
            bot.closed = closed
            try:
                raise RuntimeError("Session is closed")
            except RuntimeError:
                log_failure(logger, bot, "Retiring duplicate %s cards failed", "billing")
    running, closing = caplog.records
    assert running.levelname == "ERROR" and running.exc_info is not None
    assert closing.levelname == "INFO" and closing.exc_info is None
    assert closing.getMessage() == ("Retiring duplicate billing cards failed "
                                    "(cut short by the shutdown: RuntimeError: Session is closed)")


def test_a_pool_reset_cancelled_by_the_shutdown_is_one_line():
    """SQLAlchemy's pool logs a traceback when the shutdown cancels a connection's reset (seen on
    PostgreSQL when the server check fails at start-up): below DEBUG it is one INFO line."""
    import asyncio
    import logging

    from bot.logging_setup import ReconnectFilter

    try:
        raise asyncio.CancelledError()
    except asyncio.CancelledError:
        import sys

        record = logging.LogRecord("sqlalchemy.pool.impl.AsyncAdaptedQueuePool", logging.ERROR, __file__, 1,
                                   "Exception during reset or similar", None, sys.exc_info())
    assert ReconnectFilter().filter(record)
    assert record.levelname == "INFO" and record.exc_info is None
    assert record.getMessage() == "Database connection closed by the shutdown (reset cancelled)"
