"""``python -m tests.e2e.held_access_bot bot``: the bot exactly as ``python -m bot bot``, except that
every answer to an access request's reason modal (``acc-reason:<id>``) waits forever, and so does the
outbox's delivery of a decision's DM (``acceso:<id>:aprobada|rechazada``): the rejection and its queued
DM are committed, nothing else happens — so a test can kill -9 the process at exactly that point
(issue 17: access-request DMs lost to a crash)."""

from __future__ import annotations

from tests.e2e.holds import custom_id_starts, hold_answers, hold_deliveries, run_bot

hold_answers(custom_id_starts("acc-reason:"))
hold_deliveries(lambda key: key.endswith((":aprobada", ":rechazada")))

if __name__ == "__main__":
    run_bot()
