"""GET /api/v1/procedures (search, filters, pages) and /api/v1/procedures/{code} (one version).

Reads go through motcua.catalog.search and motcua.catalog.selectors only. Output serializers are
written field by field: the API's shape is a contract, not whatever the models hold today.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.schema import PROBLEM_RESPONSES
from motcua.catalog import selectors
from motcua.catalog.models import (
    STEP_ROLE_CHOICES,
    Channel,
    ChannelOption,
    DocumentRequirement,
    Fee,
    FlowStep,
    LegalBasis,
    Level,
    OnlineLevel,
    ProcedureVersion,
    ProcessingFlow,
    ResultType,
    TimeUnit,
    UnitSource,
)
from motcua.catalog.search import procedure_search, today
from motcua.catalog.selectors import ChannelSummary, ProcedureSummary

# -- input ---------------------------------------------------------------------------------------------


class ProcedureListQuery(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_(
            "Words of the name, code, field, agency or result code, with or without diacritics; "
            "typos are tolerated (e.g. dang ky khai sinh, 1.001193)."
        ),
        error_messages={"max_length": _("Use at most {max_length} characters in the search.")},
    )
    field = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text=_("A field (sector): its id, code or name, e.g. Hộ tịch."),
    )
    level = serializers.ChoiceField(
        choices=Level.choices,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": _("Unknown level “{input}”.")},
    )
    agency = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Words of the implementing or competent agency, e.g. cong an."),
    )
    online_level = serializers.ChoiceField(
        choices=OnlineLevel.choices,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": _("Unknown online service level “{input}”.")},
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        allow_blank=True,
        help_text=_("Procedures that accept this way of submitting."),
        error_messages={"invalid_choice": _("Unknown way of submitting “{input}”.")},
    )
    page = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("Page number, from 1."),
        error_messages={
            "invalid": _("The page must be a whole number."),
            "min_value": _("Pages are numbered from 1."),
        },
    )

    def validate_field(self, value: str) -> str:
        if value and selectors.field_find(value=value) is None:
            raise serializers.ValidationError(_("There is no field “%(value)s”.") % {"value": value})
        return value


class ProcedureDetailQuery(serializers.Serializer[Any]):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("A version number; by default the version in force."),
        error_messages={
            "invalid": _("The version must be a whole number."),
            "min_value": _("Versions are numbered from 1."),
        },
    )
    at = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=_("The version in force on this day (YYYY-MM-DD); by default today."),
        error_messages={"invalid": _("Give the day as YYYY-MM-DD, e.g. 2026-07-01.")},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("version") is not None and attrs.get("at") is not None:
            raise serializers.ValidationError({"version": _("Give either a version or a day (at), not both.")})
        return attrs


# -- output (the OpenAPI components are these names without "Serializer") --------------------------------


class TimeLimitSerializer(serializers.Serializer[ChannelOption]):
    value = serializers.DecimalField(
        source="time_limit_value", max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    unit = serializers.ChoiceField(
        source="time_limit_unit",
        choices=TimeUnit.choices,
        allow_blank=True,
        help_text=_("Empty when the published text gives no unit."),
    )
    text = serializers.CharField(source="time_limit_text", help_text=_("The time limit as published."))


class TimeLimitDetailSerializer(TimeLimitSerializer):
    unit_source = serializers.ChoiceField(
        source="time_limit_source", choices=UnitSource.choices, help_text=_("How the unit is known.")
    )


class FeeSerializer(serializers.Serializer[Fee]):
    amount_vnd = serializers.IntegerField(allow_null=True, help_text=_("Null when the fee is a rate or a text."))
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        allow_null=True,
        help_text=_("The amount in `currency`, as a decimal string (a few fees are set in USD)."),
    )
    currency = serializers.CharField(help_text=_("ISO 4217, e.g. VND, USD; empty when unknown."))
    is_free = serializers.BooleanField()
    understood = serializers.BooleanField(help_text=_("False when the published text could not be read as an amount."))
    text = serializers.CharField(help_text=_("The fee as published."))


class ChannelSummarySerializer(serializers.Serializer[ChannelSummary]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    time_limit = TimeLimitSerializer(source="*")
    fees = FeeSerializer(many=True)


class ChannelSerializer(serializers.Serializer[ChannelOption]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    description = serializers.CharField()
    time_limit = TimeLimitDetailSerializer(source="*")
    fees = FeeSerializer(many=True, source="fees.all")


class ProcedureSummarySerializer(serializers.Serializer[ProcedureSummary]):
    code = serializers.CharField()
    name = serializers.CharField()
    # The key is "fields": the stubs see Serializer.fields, which DRF's metaclass leaves alone.
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text=_("Names of the fields (sectors).")
    )
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Level.choices))
    online_level = serializers.ChoiceField(choices=OnlineLevel.choices)
    channels = ChannelSummarySerializer(many=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, summary: ProcedureSummary) -> str:
        path = reverse("api:procedure-detail", kwargs={"code": summary["code"]})
        request: Request | None = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ProcedurePageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProcedureSummarySerializer(many=True)


class DocumentSerializer(serializers.Serializer[DocumentRequirement]):
    case = serializers.CharField(
        source="case_name", help_text=_("The situation this document belongs to; empty when it always applies.")
    )
    name = serializers.CharField()
    originals = serializers.IntegerField(allow_null=True)
    copies = serializers.IntegerField(allow_null=True)
    quantity_text = serializers.CharField(help_text=_("The quantity as published."))
    templates = serializers.ListField(child=serializers.CharField())
    is_required = serializers.BooleanField()
    reusable_from_data = serializers.BooleanField(
        help_text=_("The information can be taken from data the state already holds instead of this document.")
    )


class LegalBasisSerializer(serializers.Serializer[LegalBasis]):
    title = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    effective_on = serializers.DateField(allow_null=True)


class ResultSerializer(serializers.Serializer[ResultType]):
    name = serializers.CharField()
    code = serializers.CharField(help_text=_("National result code, e.g. KQ.G15.000010."))
    requires_paper = serializers.BooleanField()


class AgencyRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class AgenciesSerializer(serializers.Serializer[ProcedureVersion]):
    competent = serializers.CharField(source="competent_agency")
    implementing = serializers.CharField(source="implementing_agency")
    delegated = serializers.CharField(source="delegated_agency")
    coordinating = serializers.CharField(source="coordinating_agency")
    receiving_address = serializers.CharField(help_text=_("Where to submit, as published."))
    publishing = AgencyRefSerializer(source="publishing_agency", allow_null=True)


class BudgetSerializer(serializers.Serializer[FlowStep]):
    value = serializers.DecimalField(source="budget_value", max_digits=8, decimal_places=2, coerce_to_string=False)
    unit = serializers.ChoiceField(
        source="budget_unit", choices=TimeUnit.choices, help_text=_("working_hours or working_days.")
    )


class FlowStepSerializer(serializers.Serializer[FlowStep]):
    order = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=STEP_ROLE_CHOICES)
    unit = serializers.CharField(help_text=_("The organisational unit that performs the step."))
    parallel_with_previous = serializers.BooleanField()
    budget = BudgetSerializer(source="*")


class FlowSerializer(serializers.Serializer[ProcessingFlow]):
    name = serializers.CharField()
    agency = AgencyRefSerializer(allow_null=True, help_text=_("Null: the flow of every agency without one of its own."))
    channel = serializers.ChoiceField(
        choices=Channel.choices, allow_blank=True, help_text=_("Empty: the flow of every channel.")
    )
    is_default = serializers.BooleanField(help_text=_("Generated from the time limit, not entered by the agency."))
    steps = FlowStepSerializer(many=True, source="steps.all")


class ProcedureVersionSerializer(serializers.Serializer[ProcedureVersion]):
    code = serializers.CharField(source="procedure.code")
    name = serializers.CharField()
    version = serializers.IntegerField(source="number")
    status = serializers.ChoiceField(choices=ProcedureVersion.Status.choices)
    effective_from = serializers.DateField(allow_null=True)
    effective_to = serializers.DateField(allow_null=True)
    decision_number = serializers.CharField(help_text=_("The decision that published this version."))
    decision_date = serializers.DateField(allow_null=True)
    kind = serializers.CharField()
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Level.choices))
    levels_text = serializers.CharField(help_text=_("The levels as published."))
    # Not get_fields, which is the serializer's own method; the key: see ProcedureSummarySerializer.
    fields = serializers.SerializerMethodField(  # type: ignore[assignment]
        method_name="field_names", help_text=_("Names of the fields (sectors).")
    )
    applicants = serializers.ListField(child=serializers.CharField())
    agencies = AgenciesSerializer(source="*")
    steps = serializers.ListField(child=serializers.CharField())
    channels = ChannelSerializer(many=True, source="channels.all")
    documents = DocumentSerializer(many=True, source="documents.all")
    legal_basis = LegalBasisSerializer(many=True, source="legal_basis.all")
    results = ResultSerializer(many=True, source="results.all")
    conditions = serializers.CharField()
    related_procedures = serializers.CharField()
    online_level = serializers.ChoiceField(choices=OnlineLevel.choices)
    online_level_reason = serializers.CharField()
    same_day_cutoff = serializers.TimeField(
        format="%H:%M",
        allow_null=True,
        help_text=_("For a same-day procedure: later receipts count from the next day."),
    )
    flows = FlowSerializer(many=True, source="flows.all")
    source_url = serializers.CharField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def field_names(self, version: ProcedureVersion) -> list[str]:
        return [field.name for field in version.fields.all()]


# -- views ---------------------------------------------------------------------------------------------


class ProcedureListApi(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        operation_id="procedures_list",
        summary="Search the procedures in force",
        description=(
            "Diacritics and case are ignored and typos tolerated. Results come best first: the code, "
            "a code prefix, then how well the name matches, then popularity, then code. Without `q`, "
            "every procedure passing the filters, the most popular first. Filters combine with `q`."
        ),
        parameters=[ProcedureListQuery],
        responses={200: ProcedurePageSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query = ProcedureListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        results = procedure_search(
            q=data.get("q", ""),
            field=data.get("field"),
            level=data.get("level"),
            agency=data.get("agency"),
            online_level=data.get("online_level"),
            channel=data.get("channel"),
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(results, request, view=self) or []
        summaries = selectors.procedure_summaries(procedures=page, day=today())
        # A version that stopped being in force between the two queries leaves a gap, not an error.
        items = [summaries[p.pk] for p in page if p.pk in summaries]
        # many_init is what `many=True` calls; the stubs type the constructor for one instance only.
        page_out = ProcedureSummarySerializer.many_init(items, context={"request": request})
        return paginator.get_paginated_response(page_out.data)


class ProcedureDetailApi(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        operation_id="procedures_retrieve",
        summary="One procedure: the version in force, a given version, or the version in force on a day",
        parameters=[
            OpenApiParameter("code", str, OpenApiParameter.PATH, description="Procedure code, e.g. 1.001193"),
            ProcedureDetailQuery,
        ],
        responses={200: ProcedureVersionSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request: Request, code: str) -> Response:
        query = ProcedureDetailQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        number: int | None = query.validated_data.get("version")
        at: date | None = query.validated_data.get("at")
        if number is not None:
            version = selectors.version_get_public(code=code, number=number)
        else:
            version = selectors.version_in_force(code=code, at=at or today())
        return Response(ProcedureVersionSerializer(version).data)
