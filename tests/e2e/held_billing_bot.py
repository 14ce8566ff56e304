"""``python -m tests.e2e.held_billing_bot bot``: the bot exactly as ``python -m bot bot``, except that
every answer to a billing request's modals (``bill-done:<id>``, ``bill-reason:<id>``) waits forever,
and so does the outbox's delivery of what a decision queued (``cobro:<id>:…``): the decision and its
queued DM are committed, nothing else happens — so a test can kill -9 the process at exactly that point
(issue 17: billing-request DMs lost to a crash)."""

from __future__ import annotations

from tests.e2e.holds import custom_id_starts, hold_answers, hold_deliveries, run_bot

hold_answers(custom_id_starts("bill-done:", "bill-reason:"))
hold_deliveries(lambda key: key.startswith("cobro:"))

if __name__ == "__main__":
    run_bot()
