"""Forms of the back office: the work-queue search and one small form per dossier action.

Each action form carries the revision the officer saw (`expected_revision`, hidden) and only the
inputs its service needs; the rules themselves stay in dossiers.policies and dossiers.services.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.backoffice.counter import Outcome
from motcua.catalog.models import STEP_ROLE_CHOICES, DocumentRequirement, Procedure
from motcua.dossiers import policies, results
from motcua.dossiers.models import ApplicantKind, Dossier, ResultDocument
from motcua.dossiers.selectors import QUEUE_LABELS
from motcua.dossiers.workflow import Action
from motcua.identity.identifiers import parse_personal_id, parse_tax_code
from motcua.identity.validators import validate_personal_id_number, validate_tax_code

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The actions the back office offers, in the order of the lifecycle (the same as the API's).
ACTIONS: tuple[str, ...] = (
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

ALL_QUEUES = ""
QUEUE_CHOICES: list[tuple[str, StrOrPromise]] = [
    (ALL_QUEUES, _("All my dossiers")),
    *((q.value, label) for q, label in QUEUE_LABELS.items()),
]


class QueueSearchForm(forms.Form):
    queue = forms.ChoiceField(
        label=_("Work queue"),
        required=False,
        choices=QUEUE_CHOICES,
    )
    q = forms.CharField(
        label=_("Search dossiers"),
        required=False,
        max_length=200,
        help_text=_("A dossier code, an ID number or words of the applicant's name."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ActionForm(forms.Form):
    """An action without inputs: only the revision the officer saw."""

    expected_revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        if not self.is_bound:
            self.initial["expected_revision"] = dossier.revision


class ItemsForm(ActionForm):
    """Documents, each with what is missing or wrong (mark incomplete, request a supplement)."""

    items = forms.CharField(
        label=_("Documents and reasons"),
        help_text=_("One document per line: its name, a colon, then what is missing or wrong."),
        widget=_textarea(4),
    )

    def clean_items(self) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        for line in _lines(self.cleaned_data["items"]):
            document, colon, reason = line.partition(":")
            if not colon or not document.strip() or not reason.strip():
                raise ValidationError(
                    _("Write “document: reason” on each line; this line has no reason: %(line)s"),
                    params={"line": line},
                )
            items.append({"document": document.strip(), "reason": reason.strip()})
        return items


class RefuseForm(ActionForm):
    legal_reason = forms.CharField(
        label=_("Legal reason"), help_text=_("Quoted on the refusal slip."), widget=_textarea()
    )


class HandOverForm(ActionForm):
    step_name = forms.CharField(label=_("Step"), max_length=255)
    role = forms.ChoiceField(label=_("Role that performs the step"), choices=STEP_ROLE_CHOICES)
    unit = forms.CharField(label=_("Organisational unit"), max_length=255)
    budget = forms.DecimalField(label=_("Time budget"), max_digits=6, decimal_places=2, min_value=Decimal("0.01"))
    budget_unit = forms.ChoiceField(
        label=_("Unit of the time budget"),
        choices=[("working_hours", _("Working hours")), ("working_days", _("Working days"))],
    )
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    assignee = forms.CharField(
        label=_("Officer (username)"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to hand over to the unit."),
    )

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(*args, dossier=dossier, **kwargs)
        choices = [("", dossier.handling_agency.name)]
        if dossier.competent_agency_id != dossier.handling_agency_id:
            choices.append((dossier.competent_agency.code, dossier.competent_agency.name))
        field = self.fields["agency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class DocumentsForm(ActionForm):
    documents = forms.CharField(
        label=_("Documents received"), help_text=_("One document per line."), widget=_textarea()
    )

    def clean_documents(self) -> list[str]:
        return _lines(self.cleaned_data["documents"])


class RequestPaymentForm(ActionForm):
    amount_vnd = forms.IntegerField(label=_("Amount (VND)"), min_value=1)
    description = forms.CharField(label=_("What it is for"), max_length=500)


class PaymentDoneForm(ActionForm):
    reference = forms.CharField(
        label=_("Payment reference"), max_length=100, help_text=_("Receipt or transaction reference.")
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=_textarea())


class ApologiseForm(ActionForm):
    reason = forms.CharField(label=_("Reason for the delay"), help_text=_("Told to the applicant."), widget=_textarea())
    explanation_to_head = forms.CharField(label=_("Explanation to the head of the agency"), widget=_textarea())
    new_appointment_at = forms.DateTimeField(
        label=_("New appointment"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ResultsForm(ActionForm):
    results = forms.CharField(
        label=_("Result documents"), help_text=_("One document name per line."), widget=_textarea()
    )

    def clean_results(self) -> list[dict[str, str]]:
        return [{"name": name} for name in _lines(self.cleaned_data["results"])]


FORM_OF_ACTION: dict[str, type[ActionForm]] = {
    Action.RECEIVE: ActionForm,
    Action.MARK_INCOMPLETE: ItemsForm,
    Action.REFUSE: RefuseForm,
    Action.HAND_OVER: HandOverForm,
    Action.REQUEST_SUPPLEMENT: ItemsForm,
    Action.SUPPLEMENT: DocumentsForm,
    Action.REQUEST_PAYMENT: RequestPaymentForm,
    Action.PAYMENT_DONE: PaymentDoneForm,
    Action.WITHDRAW: ReasonForm,
    Action.STOP: ReasonForm,
    policies.APOLOGISE: ApologiseForm,
    Action.MARK_RESULT_READY: ResultsForm,
    Action.RETURN_RESULT: ActionForm,
}
assert tuple(FORM_OF_ACTION) == ACTIONS


def action_form(action: str, dossier: Dossier, data: Any = None) -> ActionForm:
    """The form of `action` for this dossier, prefixed so that several fit on one page."""
    return FORM_OF_ACTION[action](data, dossier=dossier, prefix=action)


# -- the counter: a walk-in or postal dossier ------------------------------------------------------------

# A phone number as officers write it: digits, optionally +, spaces, dots or hyphens between groups.
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"\+?[0-9]{8,15}", re.ASCII)


def _count(label: str, asked: int | None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, initial=asked or 0, min_value=0, max_value=99, required=False, widget=forms.NumberInput
    )


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One line of the checklist: the requirement and its four inputs."""

    requirement: DocumentRequirement
    received: forms.BoundField
    originals: forms.BoundField
    copies: forms.BoundField
    guidance: forms.BoundField

    @property
    def cells(self) -> tuple[forms.BoundField, ...]:
        return (self.received, self.originals, self.copies, self.guidance)


class CounterForm(forms.Form):
    """The counter screen in one form, so that nothing typed is lost while the officer finds the
    procedure, chooses the case or corrects a mistake.

    Bound without an `outcome` (the "Find" button, also what Enter does), the form only shows what
    was entered, without errors. With an outcome it validates everything the outcome needs: the
    applicant always (the receipt and the refusal slip name them), the required documents for
    "complete", at least one missing document for "incomplete", the legal reason for "ineligible".
    The checklist inputs are named after the requirement: `doc-<id>-received|originals|copies|guidance`.
    """

    procedure_q = forms.CharField(
        label=_("Procedure"),
        required=False,
        max_length=200,
        help_text=_("Its code (e.g. 1.001193) or words of its name, with or without diacritics."),
    )
    pick = forms.ChoiceField(label=_("Procedures found"), required=False, widget=forms.RadioSelect)
    case = forms.ChoiceField(label=_("Case"), required=False, widget=forms.RadioSelect)
    competent_agency = forms.CharField(
        label=_("Agency that decides"),
        help_text=_("The dossier is handed over to it; your counter may receive for any agency listed."),
        widget=forms.Select,
    )
    channel = forms.ChoiceField(label=_("How the dossier came in"), widget=forms.RadioSelect)
    applicant_kind = forms.ChoiceField(
        label=_("The applicant is"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.CITIZEN,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(label=_("Full name or name of the organisation"), max_length=255)
    applicant_id_number = forms.CharField(
        label=_("Personal ID number or tax code"),
        max_length=20,
        help_text=_("A citizen: the 12-digit personal identification number. A business: its tax code."),
    )
    applicant_phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    applicant_email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    applicant_address = forms.CharField(label=_("Address"), required=False, max_length=500)
    summary = forms.CharField(label=_("Summary of the request"), required=False, max_length=2000, widget=_textarea(3))
    legal_reason = forms.CharField(
        label=_("Legal reason for refusing"),
        required=False,
        max_length=2000,
        help_text=_("Only when the dossier is ineligible: quoted on the refusal slip, with the article of law."),
        widget=_textarea(3),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        outcome: Outcome | None = None,
        found: Sequence[Procedure] = (),
        cases: Sequence[str] = (),
        checklist: Sequence[DocumentRequirement] | None = None,
        agencies: Sequence[Agency] = (),
        default_agency: Agency | None = None,
        channels: Sequence[tuple[str, StrOrPromise]] = (),
    ) -> None:
        super().__init__(data)
        self.outcome = outcome
        self.checklist = list(checklist or [])
        self._choices("pick", [(p.code, f"{p.code} · {p.name}") for p in found])
        self._choices("case", [(str(i), name) for i, name in enumerate(cases, start=1)])
        self.fields["case"].required = len(cases) > 1
        # Without a procedure (not found yet, or no longer found) the page keeps the agency, the
        # channel and the legal reason entered, as hidden inputs, until one is shown again.
        if checklist is not None:
            agency_choices: list[tuple[str, str]] = [(a.code, a.name) for a in agencies]
            if default_agency is None:
                agency_choices.insert(0, ("", str(_("Choose the agency"))))
            else:
                self.fields["competent_agency"].initial = default_agency.code
            widget = self.fields["competent_agency"].widget
            assert isinstance(widget, forms.Select)
            widget.choices = agency_choices
            self._choices("channel", list(channels))
            if channels:
                self.fields["channel"].initial = channels[0][0]
        for requirement in self.checklist:
            self._add_document(requirement)
        if self.is_bound:
            self.data = self._with_defaults(self.data)

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields.get(name)
        if field is not None:
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def _add_document(self, requirement: DocumentRequirement) -> None:
        name = requirement.name
        key = f"doc-{requirement.pk}"
        self.fields[f"{key}-received"] = forms.BooleanField(
            label=_("Received: %(document)s") % {"document": name}, required=False
        )
        self.fields[f"{key}-originals"] = _count(
            _("Originals received: %(document)s") % {"document": name}, requirement.originals
        )
        self.fields[f"{key}-copies"] = _count(
            _("Copies received: %(document)s") % {"document": name}, requirement.copies
        )
        self.fields[f"{key}-guidance"] = forms.CharField(
            label=_("What is missing or wrong: %(document)s") % {"document": name}, required=False, max_length=500
        )

    def _with_defaults(self, data: Any) -> Any:
        """The submitted data, with the initial value of every input the page did not show yet (the
        checklist of a procedure just found, its usual channel): what an unbound form would show."""
        filled = data.copy()
        for name, field in self.fields.items():
            if name in filled or isinstance(field, forms.BooleanField):
                continue
            initial = self.get_initial_for_field(field, name)
            if initial not in (None, ""):
                filled[name] = str(initial)
        return filled

    @property
    def document_rows(self) -> list[DocumentRow]:
        return [
            DocumentRow(
                requirement=r,
                received=self[f"doc-{r.pk}-received"],
                originals=self[f"doc-{r.pk}-originals"],
                copies=self[f"doc-{r.pk}-copies"],
                guidance=self[f"doc-{r.pk}-guidance"],
            )
            for r in self.checklist
        ]

    def full_clean(self) -> None:
        if self.outcome is None:
            # Finding the procedure or changing the case: show the entries as they are, no errors.
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def clean_applicant_phone(self) -> str:
        phone = _PHONE_SEPARATORS.sub("", self.cleaned_data["applicant_phone"])
        if phone and not _PHONE.fullmatch(phone):
            raise ValidationError(
                _("Write the phone number with 8 to 15 digits, for example 0901234567 or +84901234567."),
                code="phone",
            )
        return phone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._clean_identifier(cleaned)
        received = self._clean_documents(cleaned)
        if self.outcome == Outcome.COMPLETE:
            # Intake: a dossier is received only when complete and valid (domain §2.6, clock start).
            for row in self.document_rows:
                r = row.requirement
                if r.is_required and not r.reusable_from_data and row.requirement.pk not in received:
                    self.add_error(
                        row.received.name,
                        _("Required for a complete dossier: tick it once received, or choose “Incomplete”."),
                    )
        elif self.outcome == Outcome.INCOMPLETE:
            cleaned["missing"] = missing = self._missing(cleaned, received)
            if not missing:
                self.add_error(
                    None,
                    _(
                        "Nothing is listed as missing: untick the documents the applicant did not bring, or "
                        "write what is wrong next to a document."
                    ),
                )
        elif self.outcome == Outcome.INELIGIBLE and not cleaned.get("legal_reason"):
            self.add_error("legal_reason", _("Give the legal reason for refusing the dossier."))
        cleaned["documents_received"] = [
            {
                "name": r.name,
                "originals": cleaned.get(f"doc-{r.pk}-originals") or 0,
                "copies": cleaned.get(f"doc-{r.pk}-copies") or 0,
            }
            for r in self.checklist
            if r.pk in received
        ]
        return cleaned

    def _clean_identifier(self, cleaned: dict[str, Any]) -> None:
        number = cleaned.get("applicant_id_number")
        kind = cleaned.get("applicant_kind")
        if not number or not kind:
            return
        try:
            if kind == ApplicantKind.BUSINESS:
                validate_tax_code(number)
                cleaned["applicant_id_number"] = parse_tax_code(number).number
            else:
                validate_personal_id_number(number)
                cleaned["applicant_id_number"] = parse_personal_id(number).number
        except ValidationError as error:
            self.add_error("applicant_id_number", error)

    def _clean_documents(self, cleaned: dict[str, Any]) -> set[int]:
        received: set[int] = set()
        for r in self.checklist:
            if not cleaned.get(f"doc-{r.pk}-received"):
                continue
            received.add(r.pk)
            originals = cleaned.get(f"doc-{r.pk}-originals") or 0
            copies = cleaned.get(f"doc-{r.pk}-copies") or 0
            if originals + copies == 0 and f"doc-{r.pk}-originals" not in self.errors:
                self.add_error(
                    f"doc-{r.pk}-originals", _("A document received comes as at least one original or one copy.")
                )
        return received

    def _missing(self, cleaned: dict[str, Any], received: set[int]) -> list[dict[str, str]]:
        """The guidance: each document not brought (required ones even without a note) and each
        document brought with a note of what is wrong, with the reason (Nghị định 63/2010/NĐ-CP
        Art 18(5): in writing, with reasons, at once)."""
        missing: list[dict[str, str]] = []
        for r in self.checklist:
            note: str = cleaned.get(f"doc-{r.pk}-guidance") or ""
            if r.pk in received and not note:
                continue
            if r.pk not in received and not note and not (r.is_required and not r.reusable_from_data):
                continue
            missing.append({"document": r.name, "reason": note or str(_("Not in the dossier."))})
        return missing


class ResultIssueForm(forms.Form):
    """Sign and issue a result (dossiers.results.result_document_issue): what is printed besides the
    dossier's data."""

    details = forms.CharField(
        label=_("Details printed under the result"),
        required=False,
        max_length=results.MAX_DETAILS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    validity = forms.CharField(
        label=_("Validity period or scope"),
        help_text=_("Printed on the result and in its QR code, e.g. “Không thời hạn”."),
        required=False,
        max_length=results.MAX_VALIDITY,
    )
    expected_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def result_issue_form(dossier: Dossier, result: ResultDocument) -> ResultIssueForm:
    """The empty form of one result on the dossier page, bound to the revision the officer sees."""
    return ResultIssueForm(initial={"expected_revision": dossier.revision}, auto_id=f"id_result{result.pk}_%s")
