"""Evaluation runs are named in words wherever people read them: a period, or a day."""

import datetime

import pytest

from tiers.models import run_name

DAY = datetime.date(2025, 4, 15)


@pytest.mark.parametrize(
    ("run_key", "shown"),
    [
        ("2025-Q1", "2025-Q1"),
        ("2025", "2025"),
        ("manual-20250415120000", "as of 2025-04-15"),  # "Evaluate now"
        ("event-3f2a9c0d", "as of 2025-04-15"),  # a completed order's re-evaluation
        ("day-2025-04-15", "as of 2025-04-15"),  # the daily tick
        ("asof-2025-04-15", "as of 2025-04-15"),
    ],
)
def test_a_run_is_its_period_or_the_day_it_measured_to(run_key, shown):
    assert run_name(run_key, DAY) == shown
