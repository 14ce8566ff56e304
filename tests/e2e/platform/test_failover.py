"""One active instance and a standby on the same database (SQLite lock file / PostgreSQL advisory
lock), as an operator runs them: subprocesses, the active one killed with kill -9."""

from __future__ import annotations

from tests.e2e.failover_trial import TAKEOVER_LIMIT, run_trials


async def test_standby_takes_over_after_kill_9_without_duplicates_or_losses(tmp_path, database_url):
    fig = await run_trials(tmp_path, 2, url=database_url)
    assert fig.trials == 2
    assert all(s < TAKEOVER_LIMIT for s in fig.takeover_seconds), fig.takeover_seconds
    assert fig.registrations_acknowledged == fig.deals_stored == 4  # before and after each takeover, once
    assert fig.clicks_decided == 4  # both cards' buttons worked on the new active instance
    assert (fig.duplicated, fig.lost) == (0, 0), fig.details
    logs = "".join(p.read_text() for p in tmp_path.glob("bot-*.log"))
    assert logs.count("Standby: another instance") == 2 and logs.count("Taking over") == 2
