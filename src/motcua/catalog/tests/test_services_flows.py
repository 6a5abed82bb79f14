from __future__ import annotations

from decimal import Decimal

import pytest

from motcua.catalog import services
from motcua.catalog.models import FlowStep
from motcua.catalog.tests import factories

pytestmark = pytest.mark.django_db


def _seven_days() -> dict[str, object]:
    channels = factories.content()["channels"]
    for channel in channels:
        channel["time_limit_value"] = "7"
        channel["time_limit_text"] = "7 Ngày làm việc"
    return {"channels": channels}


def test_the_default_flow_fits_a_seven_day_limit() -> None:
    version = factories.procedure("1.004222", "Đăng ký thường trú", **_seven_days())
    flow = services.flow_create_default(version=version, actor="test")
    assert flow is not None and flow.is_default
    steps = list(flow.steps.order_by("order"))
    assert [s.role for s in steps] == [
        "receiving_officer",
        "specialist",
        "unit_leader",
        "agency_leader",
        "clerk",
        "returning_officer",
    ]
    # 7 working days = 56 working hours, all of it planned and none beyond.
    assert sum(s.budget_value for s in steps) == Decimal(56)
    assert services.flow_create_default(version=version, actor="test") is None  # one flow is enough


def test_a_same_day_procedure_gets_the_short_shape_within_the_day() -> None:
    version = factories.procedure()
    flow = services.flow_create_default(version=version, actor="test")
    assert flow is not None
    steps = list(flow.steps.order_by("order"))
    assert len(steps) == 4
    assert sum(s.budget_value for s in steps) == Decimal(8)


def test_a_flow_longer_than_the_time_limit_is_refused_with_the_figures() -> None:
    version = factories.procedure("1.004222", "Đăng ký thường trú", **_seven_days())
    steps = [
        services.StepInput("Tiếp nhận", "receiving_officer", "Bộ phận Một cửa", Decimal(4), "working_hours"),
        services.StepInput("Thẩm định", "specialist", "Công an xã", Decimal(7), "working_days"),
    ]
    with pytest.raises(services.FlowInvalid, match="60 working hours") as error:
        services.flow_save(version=version, name="Quá dài", steps=steps, actor="test")
    assert error.value.problems[0].code == "budget_exceeds_limit"
    assert not FlowStep.objects.exists()


def test_a_step_without_budget_is_refused() -> None:
    version = factories.procedure()
    steps = [services.StepInput("Tiếp nhận", "receiving_officer", "Bộ phận Một cửa", Decimal(0), "working_hours")]
    with pytest.raises(services.FlowInvalid) as error:
        services.flow_save(version=version, name="x", steps=steps, actor="test")
    assert error.value.problems[0].code == "step_budget_invalid"


def test_parallel_steps_count_once_the_longest() -> None:
    # 2.000986: the police register the residence (15 days) while social insurance issues the card
    # (10 days); the interlinked limit is 20 working days = 160 working hours.
    channels = factories.content()["channels"][:1]
    channels[0]["time_limit_value"] = "20"
    version = factories.procedure("2.000986", "Liên thông khai sinh, thường trú, BHYT", channels=channels)
    steps = [
        services.StepInput("Tiếp nhận", "receiving_officer", "Bộ phận Một cửa", Decimal(2), "working_hours"),
        services.StepInput("Đăng ký khai sinh", "specialist", "Tư pháp - hộ tịch", Decimal(6), "working_hours"),
        services.StepInput(
            "Chuyển hồ sơ liên thông", "receiving_officer", "Bộ phận Một cửa", Decimal(1), "working_days"
        ),
        services.StepInput("Đăng ký thường trú", "coordinating_agency", "Công an cấp xã", Decimal(15), "working_days"),
        services.StepInput(
            "Cấp thẻ BHYT",
            "coordinating_agency",
            "Bảo hiểm xã hội",
            Decimal(10),
            "working_days",
            parallel_with_previous=True,
        ),
        services.StepInput("Trả kết quả", "returning_officer", "Bộ phận Một cửa", Decimal(1), "working_days"),
    ]
    flow = services.flow_save(version=version, name="Liên thông", steps=steps, actor="test")
    assert flow.steps.filter(parallel_with_previous=True).count() == 1
    # Sequentially the same steps would take 2 + 6 + 8 + 120 + 80 + 8 = 224 h > 160 h.
    sequential = [services.StepInput(s.name, s.role, s.unit, s.budget_value, s.budget_unit) for s in steps]
    with pytest.raises(services.FlowInvalid, match="224 working hours"):
        services.flow_save(version=version, name="Tuần tự", steps=sequential, actor="test")
