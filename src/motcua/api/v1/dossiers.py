"""Dossiers for officers and systems: submit, read, list, and act (issue #4 §8).

    POST /api/v1/dossiers                              a submission (Idempotency-Key required)
    GET  /api/v1/dossiers                              the caller's dossiers: filters, queues, search
    GET  /api/v1/dossiers/{code}                       one dossier: state, dates, due moment explained,
                                                       steps, history, results, the caller's actions
    POST /api/v1/dossiers/{code}/actions/{action}      one action, one input serializer each

Reads go through motcua.dossiers.selectors (already scoped to the officer: a dossier the officer may
not see answers 404, exactly like one that does not exist); who may act is motcua.dossiers.policies
(403 with the decision's code); every write is one function of motcua.dossiers.services, whose
DomainErrors the problem handler turns into problem+json (TransitionNotAllowed and DossierChanged:
409). `expected_revision` (or `If-Match: "<revision>"`, the ETag of the detail) makes an action
fail with 409 `dossier_changed` when someone else changed the dossier since it was read.

Systems (token without officer, e.g. the citizen portal) may submit; every other endpoint is for
officers (403 `officer_required`). The bodies are in dossier_serializers.py.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import Model
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.agencies.models import Agency, Officer
from motcua.api.auth import AUTHENTICATION_CLASSES, caller_of, officer_of
from motcua.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from motcua.api.idempotency import REPLAYED_HEADER, KeyClaim, idempotent_create, idempotent_insert
from motcua.api.schema import PROBLEM
from motcua.api.v1.dossier_serializers import (
    API_ACTIONS,
    ActionInput,
    ActionResultSerializer,
    ApologiseInput,
    DossierCreateInput,
    DossierListQuery,
    DossierPageSerializer,
    DossierSerializer,
    DossierStateSerializer,
    DossierSummarySerializer,
    HandOverInput,
    MarkIncompleteInput,
    MarkResultReadyInput,
    PaymentDoneInput,
    ReasonInput,
    RefuseInput,
    RequestPaymentInput,
    RequestSupplementInput,
    SubmissionSerializer,
    SupplementInput,
    dossier_detail,
    dossier_state_body,
    dossier_url,
    submission_body,
    submission_input,
)
from motcua.core.errors import InvalidInput, NotFound
from motcua.dossiers import intake, policies, selectors, services
from motcua.dossiers.intake import SubmissionInput
from motcua.dossiers.models import Dossier, Submission
from motcua.dossiers.policies import ActionNotPermitted
from motcua.dossiers.workflow import Action


class UnknownAction(NotFound):
    code = "unknown_action"


# -- documented problems -------------------------------------------------------------------------------

_400 = OpenApiResponse(PROBLEM, description="Invalid input (problem+json, `invalid_input`); `errors` names each field.")
_401 = OpenApiResponse(
    PROBLEM,
    description="Not authenticated (problem+json, `not_authenticated` or `authentication_failed`): "
    "send `Authorization: Token <key>`.",
)
_403_READ = OpenApiResponse(PROBLEM, description="A system token on an officers' endpoint (`officer_required`).")
_403_ACT = OpenApiResponse(
    PROBLEM,
    description="The officer sees the dossier but may not do this (`role_not_allowed`: none of the officer's roles "
    "is for this action; `not_assigned`: the dossier is not at the officer's desk), or `officer_required`.",
)
_404 = OpenApiResponse(
    PROBLEM,
    description="No such dossier among the officer's (`not_found`): the same answer whether it does not exist "
    "or belongs to another agency or desk.",
)
_409_ACT = OpenApiResponse(
    PROBLEM,
    description="`transition_not_allowed`: the dossier's state does not allow this action; `dossier_changed`: "
    "the dossier changed since `expected_revision` (reload it).",
)

_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The revision the action is based on, as the ETag of the detail gives it (e.g. "7"); '
    "the same as `expected_revision` in the body.",
)
_CODE = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    description="The dossier code (e.g. 267.40.01.X79-260212-0001), or its UUID before it is received.",
)


# -- views --------------------------------------------------------------------------------------------


class _OfficerApi(APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]
    # JSON only: submissions nest the applicant and the form data, which forms cannot carry.
    parser_classes = [JSONParser]


class DossierListCreateApi(_OfficerApi):
    @extend_schema(
        operation_id="dossiers_list",
        summary="The officer's dossiers: filters, work queues and search",
        description="Only the dossiers the officer may see; the earliest due first, then the latest submitted.",
        parameters=[DossierListQuery],
        responses={200: DossierPageSerializer, 400: _400, 401: _401, 403: _403_READ},
    )
    def get(self, request: Request) -> Response:
        officer = officer_of(request)
        query = DossierListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        dossiers = selectors.dossier_list_for_officer(
            officer=officer,
            status=data.get("status"),
            state=data.get("state"),
            agency=data.get("agency"),
            overdue=data.get("overdue"),
            queue=data.get("queue"),
            q=data.get("q"),
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(dossiers, request, view=self) or []
        out = DossierSummarySerializer.many_init(page, context={"request": request})
        return paginator.get_paginated_response(out.data)

    @extend_schema(
        operation_id="dossiers_create",
        summary="Submit a dossier (status 1, awaiting receipt)",
        description=(
            "By a receiving officer of the receiving agency, or by a system (the citizen portal). The receiving "
            "agency must be allowed to receive for the competent one: itself, its own units, or a public "
            "administration service centre of the same province (non-geographical receipt). "
            f"`{IDEMPOTENCY_HEADER}` is required: a retry with the same key and body answers 200 with the "
            f"first response and `{REPLAYED_HEADER}: true`, and never creates a second dossier; the same key "
            "with another body answers 409 `idempotency_key_reused`.\n\n"
            "With `Prefer: respond-async` (RFC 7240) the submission is checked the same way, kept, and answered "
            "at once with 202, `Preference-Applied: respond-async` and the submission's address in `Location`; "
            "the intake worker creates the dossier shortly after (GET that address: `created` with the dossier, "
            "or `refused` with the problem). The submission time of the dossier is the moment of acceptance. "
            "For systems that submit many dossiers at once."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="A unique key per submission (e.g. a UUID), at most 255 printable ASCII characters.",
            ),
            OpenApiParameter(
                "Prefer",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="`respond-async`: answer 202 at once and create the dossier asynchronously.",
            ),
        ],
        request=DossierCreateInput,
        responses={
            201: DossierSerializer,
            202: OpenApiResponse(SubmissionSerializer, description="`Prefer: respond-async`: accepted."),
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="DossierOrSubmission",
                    serializers=[DossierSerializer, SubmissionSerializer],
                    resource_type_field_name=None,
                ),
                description="A retry: the first response (the dossier, or the accepted submission), replayed.",
            ),
            400: _400,
            401: _401,
            403: OpenApiResponse(
                PROBLEM,
                description="`role_not_allowed` (not a receiving officer) or `not_your_agency` "
                "(the officer is not of the receiving agency).",
            ),
            409: OpenApiResponse(PROBLEM, description="`idempotency_key_reused`: the key went with another body."),
        },
    )
    def post(self, request: Request) -> Response:
        caller = caller_of(request)

        def checked() -> SubmissionInput:
            form = DossierCreateInput(data=request.data)
            form.is_valid(raise_exception=True)
            return submission_input(form.validated_data)

        def create() -> tuple[Response, dict[str, Any]]:
            dossier = intake.dossier_submit_checked(submission=checked(), officer=caller.officer)
            dossier = selectors.dossier_get_created(dossier=dossier)
            body = dossier_detail(dossier, request, caller.officer)
            return Response(body, status=201, headers={"Location": dossier_url(dossier, request)}), body

        def accept(claim: KeyClaim) -> Response:
            # The submission and its key's record (with this answer) are written together.
            answer: dict[str, Any] = {}

            def key_record(row: Submission) -> list[Model]:
                answer.update(submission_body(row, request))
                return [claim.record(202, answer)]

            accepted = intake.submission_accept(
                submission=checked(), client=caller.client_id, officer=caller.officer, alongside=key_record
            )
            assert accepted.pk is not None and answer["id"] == str(accepted.uuid)
            headers = {"Location": answer["url"], "Preference-Applied": "respond-async"}
            return Response(answer, status=202, headers=headers)

        if _prefers_async(request):
            return idempotent_insert(request=request, client=caller.client_id, create=accept)
        return idempotent_create(request=request, client=caller.client_id, create=create)


_RESPOND_ASYNC = re.compile(r"(?:^|[,;\s])respond-async(?:$|[,;\s])", re.IGNORECASE)


def _prefers_async(request: Request) -> bool:
    """`Prefer: respond-async` (RFC 7240 §4.1), among other preferences or alone."""
    return bool(_RESPOND_ASYNC.search(request.headers.get("Prefer", "")))


class SubmissionDetailApi(_OfficerApi):
    @extend_schema(
        operation_id="submissions_retrieve",
        summary="An asynchronous submission: accepted, then its dossier or its refusal",
        description=(
            "The address a `Prefer: respond-async` submission answered with (202, `Location`). Only the "
            "client that submitted may read it. `state` is `accepted` until the intake worker has created "
            "the dossier (`created`, with `dossier`) or refused it (`refused`, with `problem`: the same "
            "`code` a synchronous submission would have answered with)."
        ),
        responses={200: SubmissionSerializer, 401: _401, 404: _404},
    )
    def get(self, request: Request, submission_id: uuid.UUID) -> Response:
        caller = caller_of(request)
        submission = intake.submission_for_client(uuid=str(submission_id), client=caller.client_id)
        return Response(submission_body(submission, request))


class DossierStatusApi(_OfficerApi):
    @extend_schema(
        operation_id="dossiers_status",
        summary="The state and dates of one dossier (a light status look-up)",
        description="For systems that poll: one query, no steps or history. The ETag is the revision.",
        parameters=[_CODE],
        responses={200: DossierStateSerializer, 401: _401, 403: _403_READ, 404: _404},
    )
    def get(self, request: Request, code: str) -> Response:
        dossier = selectors.dossier_status_for_officer(officer=officer_of(request), code=code)
        response = Response(dossier_state_body(dossier, request))
        response["ETag"] = f'"{dossier.revision}"'
        return response


class DossierDetailApi(_OfficerApi):
    @extend_schema(
        operation_id="dossiers_retrieve",
        summary="One dossier, as the officer may see it",
        description="The ETag is the revision; send it back as `If-Match` (or `expected_revision`) with an action.",
        parameters=[_CODE],
        responses={200: DossierSerializer, 401: _401, 403: _403_READ, 404: _404},
    )
    def get(self, request: Request, code: str) -> Response:
        officer = officer_of(request)
        dossier = selectors.dossier_get_for_officer(officer=officer, code=code)
        response = Response(dossier_detail(dossier, request, officer))
        response["ETag"] = f'"{dossier.revision}"'
        return response


@dataclass(frozen=True, slots=True)
class ActionContext:
    officer: Officer
    dossier: Dossier
    role: str  # the role the officer acts in (policies.Decision.role)
    expected_revision: int | None


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def _expected_revision(request: Request, data: dict[str, Any]) -> int | None:
    in_body: int | None = data.get("expected_revision")
    header = request.headers.get("If-Match")
    if header is None:
        return in_body
    match = _ETAG.match(header)
    if match is None:
        raise InvalidInput(_('Give If-Match as the revision in quotes, e.g. "7".'), field="If-Match")
    in_header = int(match.group(1))
    if in_body is not None and in_body != in_header:
        raise InvalidInput(_("If-Match and expected_revision disagree; send one of them."), field="expected_revision")
    return in_header


class DossierActionApi(_OfficerApi):
    """One action: find the dossier among the officer's (404), ask the policy (403), validate the
    input (400), call the service (409 on a state or revision conflict), answer the new state."""

    action: ClassVar[str]
    input_serializer: ClassVar[type[ActionInput]] = ActionInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, code: str) -> Response:
        officer = officer_of(request)
        dossier = selectors.dossier_get_for_officer(officer=officer, code=code)
        decision = policies.can_act(officer, dossier, self.action)
        if not decision:
            raise ActionNotPermitted(decision)
        form = self.input_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        ctx = ActionContext(
            officer=officer,
            dossier=dossier,
            role=decision.role,
            expected_revision=_expected_revision(request, form.validated_data),
        )
        self.perform(ctx, form.validated_data)
        after, visible = selectors.dossier_after_action(officer=officer, dossier=dossier)
        context = {"request": request, "officer": officer, "visible": visible}
        response = Response(ActionResultSerializer(after, context=context).data)
        response["ETag"] = f'"{after.revision}"'
        return response


def _action_schema(action: str, input_serializer: type[ActionInput], summary: str, description: str = "") -> Any:
    roles = ", ".join(sorted(policies.ROLES_BY_ACTION[action]))
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"dossiers_{action}",
            summary=summary,
            description=(f"{description} " if description else "") + f"Roles: {roles}.",
            parameters=[_CODE, _IF_MATCH],
            request=input_serializer,
            responses={200: ActionResultSerializer, 400: _400, 401: _401, 403: _403_ACT, 404: _404, 409: _409_ACT},
        )
    )


@_action_schema(Action.RECEIVE, ActionInput, "Receive: the dossier is complete (status 2); code and due moment")
class DossierReceiveApi(DossierActionApi):
    action = Action.RECEIVE

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_receive(dossier=ctx.dossier, officer=ctx.officer, expected_revision=ctx.expected_revision)


@_action_schema(
    Action.MARK_INCOMPLETE, MarkIncompleteInput, "Incomplete at intake: list what is missing, with the reasons"
)
class DossierMarkIncompleteApi(DossierActionApi):
    action = Action.MARK_INCOMPLETE
    input_serializer = MarkIncompleteInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_mark_incomplete(
            dossier=ctx.dossier,
            officer=ctx.officer,
            missing=[dict(item) for item in data["missing"]],
            expected_revision=ctx.expected_revision,
        )


@_action_schema(Action.REFUSE, RefuseInput, "Refuse at intake, with the legal reason (status 3)")
class DossierRefuseApi(DossierActionApi):
    action = Action.REFUSE
    input_serializer = RefuseInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_refuse(
            dossier=ctx.dossier,
            officer=ctx.officer,
            legal_reason=data["legal_reason"],
            expected_revision=ctx.expected_revision,
        )


@_action_schema(
    Action.HAND_OVER,
    HandOverInput,
    "Hand over to the next step (a unit, an officer), with its time budget",
    "The first hand-over starts the processing (status 4). The receiving counter hands over only a dossier "
    "not yet handed over.",
)
class DossierHandOverApi(DossierActionApi):
    action = Action.HAND_OVER
    input_serializer = HandOverInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        target: Agency | None = data.get("agency")
        decision = policies.can_hand_over_to(ctx.dossier, target)
        if not decision:
            raise InvalidInput(decision.reason, field="agency")
        target_id = target.pk if target is not None else ctx.dossier.handling_agency_id
        username: str | None = data.get("assignee")
        assignee = selectors.officer_for_hand_over(agency_id=target_id, username=username) if username else None
        services.dossier_hand_over(
            dossier=ctx.dossier,
            officer=ctx.officer,
            step_name=data["step_name"],
            role=data["role"],
            unit=data["unit"],
            budget=data["budget"],
            budget_unit=data["budget_unit"],
            agency=target,
            assignee=assignee,
            expected_revision=ctx.expected_revision,
        )


@_action_schema(
    Action.REQUEST_SUPPLEMENT,
    RequestSupplementInput,
    "Request a supplement: the clock stops (status 5)",
    "A second request makes the dossier count as late.",
)
class DossierRequestSupplementApi(DossierActionApi):
    action = Action.REQUEST_SUPPLEMENT
    input_serializer = RequestSupplementInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_request_supplement(
            dossier=ctx.dossier,
            officer=ctx.officer,
            items=[dict(item) for item in data["items"]],
            expected_revision=ctx.expected_revision,
        )


@_action_schema(Action.SUPPLEMENT, SupplementInput, "Record the applicant's supplement: the clock restarts (status 4)")
class DossierSupplementApi(DossierActionApi):
    action = Action.SUPPLEMENT
    input_serializer = SupplementInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_supplement(
            dossier=ctx.dossier,
            documents=list(data["documents"]),
            actor=services.officer_actor(ctx.officer, ctx.role),
            expected_revision=ctx.expected_revision,
        )


@_action_schema(Action.REQUEST_PAYMENT, RequestPaymentInput, "Request payment of fees or taxes (status 6)")
class DossierRequestPaymentApi(DossierActionApi):
    action = Action.REQUEST_PAYMENT
    input_serializer = RequestPaymentInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_request_payment(
            dossier=ctx.dossier,
            officer=ctx.officer,
            amount_vnd=data["amount_vnd"],
            description=data["description"],
            expected_revision=ctx.expected_revision,
        )


@_action_schema(Action.PAYMENT_DONE, PaymentDoneInput, "Record the payment (back to status 4)")
class DossierPaymentDoneApi(DossierActionApi):
    action = Action.PAYMENT_DONE
    input_serializer = PaymentDoneInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_payment_done(
            dossier=ctx.dossier,
            reference=data["reference"],
            actor=services.officer_actor(ctx.officer, ctx.role),
            expected_revision=ctx.expected_revision,
        )


@_action_schema(Action.WITHDRAW, ReasonInput, "Record the applicant's withdrawal (status 7)")
class DossierWithdrawApi(DossierActionApi):
    action = Action.WITHDRAW
    input_serializer = ReasonInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_withdraw(
            dossier=ctx.dossier,
            reason=data["reason"],
            actor=services.officer_actor(ctx.officer, ctx.role),
            expected_revision=ctx.expected_revision,
        )


@_action_schema(Action.STOP, ReasonInput, "Stop processing, with the reason of the stop notice (status 8)")
class DossierStopApi(DossierActionApi):
    action = Action.STOP
    input_serializer = ReasonInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_stop(
            dossier=ctx.dossier, officer=ctx.officer, reason=data["reason"], expected_revision=ctx.expected_revision
        )


@_action_schema(
    policies.APOLOGISE,
    ApologiseInput,
    "Apologise before the due moment, with the reason and a new appointment",
    "The state does not change; the dossier counts as late whatever the new appointment.",
)
class DossierApologiseApi(DossierActionApi):
    action = policies.APOLOGISE
    input_serializer = ApologiseInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_apologise(
            dossier=ctx.dossier,
            officer=ctx.officer,
            reason=data["reason"],
            explanation_to_head=data["explanation_to_head"],
            new_appointment_at=data["new_appointment_at"],
            expected_revision=ctx.expected_revision,
        )


@_action_schema(
    Action.MARK_RESULT_READY, MarkResultReadyInput, "The result is ready (status 9): results numbered <code>-KQn"
)
class DossierMarkResultReadyApi(DossierActionApi):
    action = Action.MARK_RESULT_READY
    input_serializer = MarkResultReadyInput

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_mark_result_ready(
            dossier=ctx.dossier,
            officer=ctx.officer,
            results=[dict(result) for result in data["results"]],
            expected_revision=ctx.expected_revision,
        )


@_action_schema(Action.RETURN_RESULT, ActionInput, "The result was handed to the applicant (status 10)")
class DossierReturnResultApi(DossierActionApi):
    action = Action.RETURN_RESULT

    def perform(self, ctx: ActionContext, data: dict[str, Any]) -> None:
        services.dossier_return_result(
            dossier=ctx.dossier, officer=ctx.officer, expected_revision=ctx.expected_revision
        )


ACTION_VIEWS: tuple[type[DossierActionApi], ...] = (
    DossierReceiveApi,
    DossierMarkIncompleteApi,
    DossierRefuseApi,
    DossierHandOverApi,
    DossierRequestSupplementApi,
    DossierSupplementApi,
    DossierRequestPaymentApi,
    DossierPaymentDoneApi,
    DossierWithdrawApi,
    DossierStopApi,
    DossierApologiseApi,
    DossierMarkResultReadyApi,
    DossierReturnResultApi,
)
assert tuple(view.action for view in ACTION_VIEWS) == API_ACTIONS


class DossierUnknownActionApi(_OfficerApi):
    """Any other action name: 404 `unknown_action` (after authentication)."""

    @extend_schema(exclude=True)
    def post(self, request: Request, code: str, action: str) -> Response:
        officer_of(request)
        raise UnknownAction(
            _("There is no action “%(action)s”; the actions are: %(actions)s.")
            % {"action": action, "actions": ", ".join(API_ACTIONS)},
            field="action",
        )
