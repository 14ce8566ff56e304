"""The suite's "today" can be moved (``--today``), and every process of a run agrees on it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime

from tests import timetravel
from tests.fakes.bot_process import ROOT

CHILD = (
    "from tests import timetravel; timetravel.start(); import datetime; "
    "print(datetime.datetime.now(timetravel.BOGOTA).date().isoformat())"
)


def test_harness_starts_today_at_ten_in_bogota():
    start = timetravel.harness_today().astimezone(timetravel.BOGOTA)
    assert (start.hour, start.minute) == (10, 0)
    assert start.date() == datetime.now(timetravel.BOGOTA).date()
    if wanted := os.environ.get(timetravel.TODAY_ENV):
        assert start.date() == date.fromisoformat(wanted)


def test_a_subprocess_sees_the_same_day():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == timetravel.harness_today().astimezone(timetravel.BOGOTA).date().isoformat()


def test_a_subprocess_can_be_sent_to_another_day():
    env = {k: v for k, v in os.environ.items() if k != timetravel.SHIFT_ENV}
    env.update({timetravel.TODAY_ENV: "2027-01-11", "PYTHONPATH": str(ROOT)})
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "2027-01-11"
