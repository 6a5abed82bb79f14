from __future__ import annotations

from datetime import UTC, datetime

import pytest

from motcua.core import clock


def test_recorded_at_sets_now_and_today_inside_the_block_only() -> None:
    moment = datetime(2026, 2, 12, 18, 30, tzinfo=UTC)  # 01:30 on 13/02 in Vietnam
    with clock.recorded_at(moment):
        assert clock.now() == moment
        assert clock.today().isoformat() == "2026-02-13"
    assert clock.now() != moment


def test_recorded_at_refuses_naive_moments() -> None:
    with pytest.raises(ValueError, match="timezone-aware"), clock.recorded_at(datetime(2026, 1, 1)):  # noqa: DTZ001
        pass
