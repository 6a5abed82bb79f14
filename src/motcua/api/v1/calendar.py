"""GET /api/v1/calendar/due-date: the due moment of a time limit, with its explanation."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.schema import PROBLEM_RESPONSES
from motcua.calendars.engine import OutOfRange
from motcua.calendars.explain import explanation_as_dict
from motcua.calendars.selectors import NATIONAL_CODE, calendar_get
from motcua.core.errors import InvalidInput


class DueDateQuery(serializers.Serializer[Any]):
    start = serializers.DateTimeField(
        help_text=_(
            "Moment of receipt, ISO 8601 (e.g. 2026-02-13T16:20:00+07:00). "
            "Without an offset it is read in the calendar's time zone."
        ),
        error_messages={
            "required": _("Give the moment of receipt."),
            "invalid": _("Give the moment of receipt as an ISO 8601 date and time, e.g. 2026-02-13T16:20:00+07:00."),
        },
    )
    working_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=3650,
        error_messages={
            "invalid": _("The number of working days must be a whole number."),
            "min_value": _("The number of working days cannot be negative."),
            "max_value": _("The number of working days cannot exceed {max_value}."),
        },
    )
    working_hours = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=24 * 3650,
        error_messages={
            "invalid": _("The number of working hours must be a number, e.g. 4 or 1.5."),
            "min_value": _("The number of working hours cannot be negative."),
            "max_value": _("The number of working hours cannot exceed {max_value}."),
        },
    )
    cutoff = serializers.TimeField(
        required=False,
        help_text=_(
            "Afternoon cut-off of a same-day procedure, e.g. 15:00: later receipts count from the next working day."
        ),
        error_messages={"invalid": _("Give the cut-off as a time of day, e.g. 15:00.")},
    )
    calendar = serializers.SlugField(required=False, default=NATIONAL_CODE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("working_days", "working_hours") if attrs.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError({"working_days": _("Give exactly one of working_days or working_hours.")})
        return attrs


_EXPLANATION = inline_serializer(
    "DueDateExplanation",
    {
        "received_at": serializers.DateTimeField(),
        "counted_from": serializers.DateTimeField(),
        "shift": serializers.CharField(),
        "unit": serializers.CharField(),
        "amount": serializers.FloatField(),
        "due_at": serializers.DateTimeField(),
        "skipped_days": serializers.ListField(child=serializers.DictField()),
        "extra_working_days": serializers.ListField(child=serializers.DictField()),
        "text": serializers.ListField(child=serializers.CharField()),
    },
)


class DueDateApi(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        operation_id="calendar_due_date",
        summary="Due moment of a time limit in working days or hours",
        parameters=[
            OpenApiParameter("start", str, required=True, description="ISO 8601 moment of receipt"),
            OpenApiParameter("working_days", int, description="time limit in working days"),
            OpenApiParameter("working_hours", float, description="time limit in working hours"),
            OpenApiParameter("cutoff", str, description="HH:MM afternoon cut-off"),
            OpenApiParameter("calendar", str, description="calendar code (default VN)"),
        ],
        responses={
            200: inline_serializer(
                "DueDate",
                {
                    "due": serializers.DateTimeField(),
                    "calendar": serializers.CharField(),
                    "explanation": _EXPLANATION,
                },
            ),
            **PROBLEM_RESPONSES,
        },
    )
    def get(self, request: Request) -> Response:
        query = DueDateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        calendar = calendar_get(code=data["calendar"])
        start: datetime = data["start"]
        cutoff: time | None = data.get("cutoff")
        try:
            if data.get("working_days") is not None:
                due = calendar.add_working_days(start, data["working_days"], cutoff=cutoff)
            else:
                due = calendar.add_working_hours(start, data["working_hours"], cutoff=cutoff)
        except OutOfRange as exc:
            raise InvalidInput(str(exc), field="start") from exc
        return Response(
            {
                "due": due.due_at.isoformat(),
                "calendar": calendar.rules.code,
                "explanation": explanation_as_dict(due.explanation),
            }
        )
