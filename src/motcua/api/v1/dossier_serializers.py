"""Request and response bodies of /api/v1/dossiers (motcua.api.v1.dossiers), written field by field:
the API's shape is a contract, not whatever the models hold today. The OpenAPI components are these
names without "Serializer"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from motcua.agencies.models import Agency, Officer
from motcua.agencies.selectors import agency_by_code
from motcua.api.v1.procedures import AgencyRefSerializer
from motcua.catalog.models import STEP_ROLE_CHOICES, Channel
from motcua.catalog.selectors import version_in_force_cached
from motcua.core import clock
from motcua.core.errors import NotFound
from motcua.dossiers import policies, selectors
from motcua.dossiers.intake import SubmissionInput
from motcua.dossiers.models import (
    ApplicantKind,
    Dossier,
    HistoryEntry,
    ResultDocument,
    Step,
    Submission,
    SubmissionState,
)
from motcua.dossiers.selectors import QUEUE_LABELS, DeadlineExplained
from motcua.dossiers.services import Applicant
from motcua.dossiers.workflow import STATE_LABELS, Action

# The actions this API offers, in the order of the lifecycle. The others of workflow.Action happen
# inside these (start_processing at the first hand-over) or have no service yet (coordination).
API_ACTIONS: tuple[str, ...] = (
    Action.RECEIVE,
    Action.MARK_INCOMPLETE,
    Action.REFUSE,
    Action.HAND_OVER,
    Action.REQUEST_SUPPLEMENT,
    Action.SUPPLEMENT,
    Action.REQUEST_PAYMENT,
    Action.PAYMENT_DONE,
    Action.WITHDRAW,
    Action.STOP,
    policies.APOLOGISE,
    Action.MARK_RESULT_READY,
    Action.RETURN_RESULT,
)


STATES = [(state.value, label) for state, label in STATE_LABELS.items()]


# -- output -------------------------------------------------------------------------------------------


class ProcedureRefSerializer(serializers.Serializer[Dossier]):
    code = serializers.CharField(source="procedure_code")
    version = serializers.IntegerField(source="procedure_version.number")
    name = serializers.CharField(source="procedure_version.name")


class ApplicantSerializer(serializers.Serializer[Dossier]):
    kind = serializers.ChoiceField(source="applicant_kind", choices=ApplicantKind.choices)
    name = serializers.CharField(source="applicant_name")
    id_number = serializers.CharField(
        source="applicant_id_number", help_text=gettext_lazy("Personal ID number, or tax code of a business.")
    )
    phone = serializers.CharField(source="applicant_phone")
    email = serializers.CharField(source="applicant_email")
    address = serializers.CharField(source="applicant_address")


class DossierAgenciesSerializer(serializers.Serializer[Dossier]):
    receiving = AgencyRefSerializer(source="receiving_agency", help_text=gettext_lazy("Where it was received."))
    competent = AgencyRefSerializer(source="competent_agency", help_text=gettext_lazy("Who decides."))
    handling = AgencyRefSerializer(source="handling_agency", help_text=gettext_lazy("Where it is now."))


class OfficerRefSerializer(serializers.Serializer[Officer]):
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField()
    unit = serializers.CharField()


class StepSerializer(serializers.Serializer[Step]):
    order = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    unit = serializers.CharField()
    agency = AgencyRefSerializer()
    assignee = OfficerRefSerializer(allow_null=True)
    handed_over_by = OfficerRefSerializer(allow_null=True)
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=Step.Outcome.choices, allow_blank=True, help_text=gettext_lazy("Empty while the step is open.")
    )


class HistoryEntrySerializer(serializers.Serializer[HistoryEntry]):
    sequence = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.CharField()
    actor_role = serializers.CharField()
    actor_unit = serializers.CharField()
    actor_agency = serializers.CharField()
    reason = serializers.CharField()
    # The key is "data": the stubs see Serializer.data, which DRF's metaclass leaves alone.
    data = serializers.DictField()  # type: ignore[assignment]


class ResultDocumentSerializer(serializers.Serializer[ResultDocument]):
    code = serializers.CharField(help_text=gettext_lazy("<dossier code>-KQn"))
    name = serializers.CharField()
    result_type_code = serializers.CharField()
    issued_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("When the competent agency signed it; null: not issued electronically.")
    )
    file_url = serializers.SerializerMethodField(help_text=gettext_lazy("The signed PDF; null until it is signed."))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, result: ResultDocument) -> str | None:
        if result.file_id is None or result.signed_at is None:
            return None
        path = reverse("api:dossier-result-file", kwargs={"code": result.dossier.code, "result_code": result.code})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class DeadlineSerializer(serializers.Serializer[DeadlineExplained]):
    due_at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("Null while the clock stands still."))
    lines = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("How the due moment was computed, in the request's language."),
    )


def dossier_url(dossier: Dossier, request: Request | None) -> str:
    path = reverse("api:dossier-detail", kwargs={"code": dossier.code or str(dossier.uuid)})
    return request.build_absolute_uri(path) if request is not None else path


# Which dossier, and where to read it (a comment, not a docstring: the schema would give it to
# every serializer below that extends this one).
class DossierRefSerializer(serializers.Serializer[Dossier]):
    uuid = serializers.UUIDField()
    code = serializers.CharField(allow_null=True, help_text=gettext_lazy("Assigned at receipt; null before."))
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, dossier: Dossier) -> str:
        return dossier_url(dossier, self.context.get("request"))


class DossierStateSerializer(DossierRefSerializer):
    state = serializers.ChoiceField(choices=STATES)
    state_label = serializers.CharField(source="get_state_display")
    status_code = serializers.IntegerField(
        min_value=1, max_value=10, help_text=gettext_lazy("National status code (TrangThaiHoSo) 1–10.")
    )
    revision = serializers.IntegerField(help_text=gettext_lazy("Send it back as expected_revision when acting."))
    due_at = serializers.DateTimeField(allow_null=True)
    appointment_at = serializers.DateTimeField(allow_null=True)
    is_late = serializers.BooleanField()


_MOMENT = serializers.DateTimeField()


def dossier_state_body(dossier: Dossier, request: Request | None) -> dict[str, Any]:
    """DossierStateSerializer's body, built directly: the status look-up is what other systems poll,
    and the serializer's machinery cost as much as the query. The same fields and formats (a test
    compares the two)."""
    return {
        "uuid": str(dossier.uuid),
        "code": dossier.code,
        "url": dossier_url(dossier, request),
        "state": dossier.state,
        "state_label": str(dossier.get_state_display()),
        "status_code": dossier.status_code,
        "revision": dossier.revision,
        "due_at": _MOMENT.to_representation(dossier.due_at) if dossier.due_at is not None else None,
        "appointment_at": (
            _MOMENT.to_representation(dossier.appointment_at) if dossier.appointment_at is not None else None
        ),
        "is_late": dossier.is_late,
    }


class DossierSummarySerializer(DossierStateSerializer):
    procedure = ProcedureRefSerializer(source="*")
    channel = serializers.ChoiceField(choices=Channel.choices)
    applicant_name = serializers.CharField()
    applicant_id_number = serializers.CharField()
    agencies = DossierAgenciesSerializer(source="*")
    submitted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)


class DossierSerializer(DossierSummarySerializer):
    applicant = ApplicantSerializer(source="*")
    summary = serializers.CharField()
    form_data = serializers.DictField()
    composite = serializers.SerializerMethodField(
        help_text=gettext_lazy("The interlinked dossier this one is part of.")
    )
    finished_at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("Result ready (status 9)."))
    returned_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    supplement_requests = serializers.IntegerField()
    deadline = serializers.SerializerMethodField()
    steps = StepSerializer(many=True, source="steps.all")
    history = HistoryEntrySerializer(many=True, source="history.all")
    results = ResultDocumentSerializer(many=True, source="results.all")
    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_composite(self, dossier: Dossier) -> str | None:
        return str(dossier.composite.uuid) if dossier.composite is not None else None

    @extend_schema_field(DeadlineSerializer(allow_null=True))
    def get_deadline(self, dossier: Dossier) -> dict[str, Any] | None:
        explained = selectors.dossier_deadline_explained(dossier=dossier)
        return DeadlineSerializer(explained).data if explained is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=API_ACTIONS)))
    def get_allowed_actions(self, dossier: Dossier) -> list[str]:
        return allowed_actions_for(self.context.get("officer"), dossier)


class ActionResultSerializer(DossierStateSerializer):
    visible = serializers.SerializerMethodField(
        help_text=gettext_lazy("False when the dossier has left the officer's desk (handed over): GET answers 404.")
    )
    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.BooleanField())
    def get_visible(self, dossier: Dossier) -> bool:
        return bool(self.context["visible"])

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=API_ACTIONS)))
    def get_allowed_actions(self, dossier: Dossier) -> list[str]:
        return allowed_actions_for(self.context["officer"], dossier) if self.context["visible"] else []


class DossierPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DossierSummarySerializer(many=True)


def allowed_actions_for(officer: Officer | None, dossier: Dossier) -> list[str]:
    if officer is None:
        return []
    return [a for a in policies.actions_allowed(officer, dossier) if a in API_ACTIONS]


def dossier_detail(dossier: Dossier, request: Request, officer: Officer | None) -> dict[str, Any]:
    return DossierSerializer(dossier, context={"request": request, "officer": officer}).data


# -- input --------------------------------------------------------------------------------------------


def _agency(code: str) -> Agency:
    try:
        return agency_by_code(code=code)
    except NotFound as exc:
        raise serializers.ValidationError(_("There is no agency with the code %(code)s.") % {"code": code}) from exc


class ApplicantInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN)
    name = serializers.CharField(max_length=255)
    id_number = serializers.CharField(
        max_length=20, help_text=gettext_lazy("Personal ID number (12 digits), or tax code of a business.")
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DossierCreateInput(serializers.Serializer[Any]):
    procedure_code = serializers.CharField(max_length=32, help_text=gettext_lazy("E.g. 1.001193."))
    channel = serializers.ChoiceField(choices=Channel.choices)
    applicant = ApplicantInput()
    receiving_agency = serializers.CharField(
        max_length=13, help_text=gettext_lazy("Code of the agency or service centre that received it.")
    )
    competent_agency = serializers.CharField(max_length=13, help_text=gettext_lazy("Code of the agency that decides."))
    form_data = serializers.DictField(required=False, default=dict)
    summary = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_procedure_code(self, value: str) -> str:
        try:
            # Kept for the service (validated_data["version"]): looked up once per submission.
            self._version = version_in_force_cached(code=value, at=clock.today())
        except NotFound as exc:
            raise serializers.ValidationError(str(exc.message)) from exc
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["version"] = getattr(self, "_version", None)
        return attrs

    def validate_receiving_agency(self, value: str) -> Agency:
        return _agency(value)

    def validate_competent_agency(self, value: str) -> Agency:
        return _agency(value)


def submission_input(data: dict[str, Any]) -> SubmissionInput:
    """The validated data of a DossierCreateInput as the dossiers app takes it."""
    return SubmissionInput(
        procedure_code=data["procedure_code"],
        channel=data["channel"],
        applicant=Applicant(**data["applicant"]),
        receiving_agency=data["receiving_agency"],
        competent_agency=data["competent_agency"],
        form_data=data["form_data"],
        summary=data["summary"],
        version=data["version"],
    )


class SubmissionProblemSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text=gettext_lazy("Stable, as the `code` of a problem+json answer."))
    detail = serializers.CharField()
    field = serializers.CharField(allow_blank=True)


class SubmissionSerializer(serializers.Serializer[Submission]):
    id = serializers.UUIDField(source="uuid")
    url = serializers.SerializerMethodField()
    state = serializers.ChoiceField(
        choices=SubmissionState.choices,
        help_text=gettext_lazy(
            "accepted: the dossier is being created; created: see `dossier`; refused: see `problem`; "
            "failed: held for an operator."
        ),
    )
    accepted_at = serializers.DateTimeField(help_text=gettext_lazy("The dossier's submission time."))
    settled_at = serializers.DateTimeField(allow_null=True)
    dossier = DossierRefSerializer(allow_null=True)
    problem = SubmissionProblemSerializer(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, submission: Submission) -> str:
        return submission_url(submission, self.context.get("request"))


def submission_body(submission: Submission, request: Request | None) -> dict[str, Any]:
    """SubmissionSerializer's body, built directly: the 202 of an asynchronous submission is the
    answer a system in a hurry waits for, and the serializer's machinery cost more than the checks.
    The same fields and formats in every state (a test compares the two)."""
    dossier = submission.dossier
    problem = submission.problem
    return {
        "id": str(submission.uuid),
        "url": submission_url(submission, request),
        "state": submission.state,
        "accepted_at": _MOMENT.to_representation(submission.accepted_at),
        "settled_at": _MOMENT.to_representation(submission.settled_at) if submission.settled_at is not None else None,
        "dossier": (
            {"uuid": str(dossier.uuid), "code": dossier.code, "url": dossier_url(dossier, request)}
            if dossier is not None
            else None
        ),
        "problem": (
            {"code": str(problem["code"]), "detail": str(problem["detail"]), "field": str(problem["field"])}
            if problem is not None
            else None
        ),
    }


def submission_url(submission: Submission, request: Request | None) -> str:
    path = reverse("api:submission-detail", kwargs={"submission_id": submission.uuid})
    return request.build_absolute_uri(path) if request is not None else path


class DossierListQuery(serializers.Serializer[Any]):
    # An empty parameter (`?status=&q=`) is no filter.
    status = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=10,
        help_text=gettext_lazy("National status code 1–10."),
    )
    state = serializers.ChoiceField(choices=STATES, required=False, allow_blank=True)
    agency = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=13,
        help_text=gettext_lazy("Code of the receiving, competent or handling agency."),
    )
    overdue = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("Past the due moment and not finished.")
    )
    queue = serializers.ChoiceField(
        choices=[(q.value, label) for q, label in QUEUE_LABELS.items()], required=False, allow_blank=True
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=gettext_lazy(
            "A dossier code or its beginning, an ID number or its beginning, or words of the applicant's name "
            "(diacritics and case ignored)."
        ),
    )
    page = serializers.IntegerField(required=False, min_value=1)


class ActionInput(serializers.Serializer[Any]):
    expected_revision = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=gettext_lazy("The revision the officer saw; 409 dossier_changed if the dossier changed since."),
    )


class ItemInput(serializers.Serializer[Any]):
    document = serializers.CharField(max_length=500)
    reason = serializers.CharField(help_text=gettext_lazy("What is missing or wrong, and why."))


class MarkIncompleteInput(ActionInput):
    missing = serializers.ListField(child=ItemInput(), allow_empty=False)


class RefuseInput(ActionInput):
    legal_reason = serializers.CharField(help_text=gettext_lazy("The legal reason, quoted on the refusal slip."))


class HandOverInput(ActionInput):
    step_name = serializers.CharField(max_length=255)
    # The roles of the steps of a processing flow in the catalogue (catalog.models.STEP_ROLE_CHOICES).
    role = serializers.ChoiceField(
        choices=STEP_ROLE_CHOICES, help_text=gettext_lazy("The role that performs the step.")
    )
    unit = serializers.CharField(max_length=255)
    budget = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.01"))
    budget_unit = serializers.ChoiceField(
        choices=[("working_hours", gettext_lazy("Working hours")), ("working_days", gettext_lazy("Working days"))],
        default="working_hours",
    )
    agency = serializers.CharField(
        max_length=13,
        required=False,
        help_text=gettext_lazy("Code of the agency handed over to: the competent or the handling agency (default)."),
    )
    assignee = serializers.CharField(
        max_length=150, required=False, help_text=gettext_lazy("Username of the officer the step is for.")
    )

    def validate_agency(self, value: str) -> Agency:
        return _agency(value)


class RequestSupplementInput(ActionInput):
    items = serializers.ListField(child=ItemInput(), allow_empty=False)


class SupplementInput(ActionInput):
    documents = serializers.ListField(child=serializers.CharField(max_length=500), allow_empty=False)


class RequestPaymentInput(ActionInput):
    amount_vnd = serializers.IntegerField(min_value=1)
    description = serializers.CharField(max_length=500)


class PaymentDoneInput(ActionInput):
    reference = serializers.CharField(max_length=100, help_text=gettext_lazy("Receipt or transaction reference."))


class ReasonInput(ActionInput):
    reason = serializers.CharField()


class ApologiseInput(ActionInput):
    reason = serializers.CharField(help_text=gettext_lazy("The reason for the delay, told to the applicant."))
    explanation_to_head = serializers.CharField()
    new_appointment_at = serializers.DateTimeField()


class ResultInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=500)
    result_type_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class MarkResultReadyInput(ActionInput):
    results = serializers.ListField(child=ResultInput(), allow_empty=False)
