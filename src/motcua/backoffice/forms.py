"""Forms of the back office: the work-queue search and one small form per dossier action.

Each action form carries the revision the officer saw (`expected_revision`, hidden) and only the
inputs its service needs; the rules themselves stay in dossiers.policies and dossiers.services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import STEP_ROLE_CHOICES
from motcua.dossiers import policies
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import QUEUE_LABELS
from motcua.dossiers.workflow import Action

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
