"""kill -9 during 100 concurrent registrations and approvals, then restart: nothing acknowledged is
lost, nothing is half written, every deal has one live card and its buttons work. More trials: ``bench/crash.py``."""

from __future__ import annotations

import os

from tests.e2e.crash_trial import run_trials

TRIALS = int(os.environ.get("VENTAS_CRASH_TRIALS", "3"))


async def test_kill_9_during_registrations_and_approvals(tmp_path, database_url):
    fig = await run_trials(tmp_path, TRIALS, seed_value=int(os.environ.get("VENTAS_CRASH_SEED", "7")), url=database_url)
    assert fig.trials == TRIALS
    assert fig.registrations_sent >= TRIALS * 80
    # the kill must land mid-burst at least once, or the trial shows nothing
    assert fig.registrations_acknowledged + fig.approvals_acknowledged < fig.registrations_sent + fig.approvals_sent
    assert fig.registrations_stored >= fig.registrations_acknowledged
    assert fig.buttons_clicked_after_restart > 0
    assert fig.several_cards == [0] * TRIALS  # no deal with two live cards after any restart
