"""My dossiers (/ho-so-cua-toi/): the signed-in citizen follows their dossiers and acts on them.

    /ho-so-cua-toi/                                   the list, those waiting for the citizen first
    /ho-so-cua-toi/<reference>/                       status, dates and why, history, documents, results
    /ho-so-cua-toi/<reference>/bo-sung/               answer a supplement request (the clock restarts)
    /ho-so-cua-toi/<reference>/rut-ho-so/             withdraw, with a reason and a confirmation step
    /ho-so-cua-toi/<reference>/danh-gia/              rate the service once the result is ready
    /ho-so-cua-toi/<reference>/giay-to/<uuid>/        download a document of the dossier
    /ho-so-cua-toi/<reference>/ket-qua/<code>/        download an electronic result
    /ho-so-cua-toi/<reference>/phieu/<kind>/?so=<n>   a slip issued to the applicant, as PDF

`<reference>` is the dossier code, or its UUID before receipt. Which dossiers a citizen sees is
dossiers.tracking's rule (their own, those of whom they may act for, those they submitted); any
other reference is a 404 that says nothing about why. Reads go through dossiers.tracking and the
dossier selectors, writes through dossiers.applicant_actions and ratings.services. Every form
works without JavaScript, carries the revision of the dossier the citizen saw, and answers a
change made meanwhile (by an officer) with a message saying what to do, never a lost action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from motcua.citizens.models import Citizen
from motcua.citizens.selectors import citizen_for_user
from motcua.core.errors import DomainError, NotFound
from motcua.documents.models import TemplateKind
from motcua.documents.selectors import stored_file_open
from motcua.documents.uploads import SizeLimitUploadHandler, UploadRules
from motcua.dossiers.applicant_actions import (
    REASON_MAX,
    SupplementFile,
    dossier_supplement_answer,
    dossier_withdraw_by_applicant,
    supplement_field,
)
from motcua.dossiers.documents import dossier_components, dossier_document_get
from motcua.dossiers.models import Dossier, SupplementRequest
from motcua.dossiers.selectors import dossier_deadline_explained
from motcua.dossiers.services import DossierChanged
from motcua.dossiers.slips import SlipNotAvailable, dossier_slips, slip_render
from motcua.dossiers.tracking import (
    RATEABLE_STATES,
    RequestedDocument,
    can_withdraw,
    citizen_status,
    dossier_date_changes,
    dossier_get_for_citizen,
    dossier_list_for_citizen,
    dossier_open_supplement_request,
    dossier_timeline,
    requested_documents,
)
from motcua.dossiers.workflow import State
from motcua.ratings.models import COMMENT_MAX, CRITERIA, Rating, Satisfaction
from motcua.ratings.selectors import rating_latest
from motcua.ratings.services import rating_submit

P = ParamSpec("P")

PAGE_SIZE = 20
# The slips an applicant is given (Thông tư 03/2025/TT-VPCP forms, domain §2.4). The process
# control slip is the agencies' internal record of hand-overs between officers: not among them.
APPLICANT_SLIPS = frozenset(
    {
        TemplateKind.RECEIPT,
        TemplateKind.GUIDANCE,
        TemplateKind.SUPPLEMENT,
        TemplateKind.REFUSAL,
        TemplateKind.APOLOGY,
        TemplateKind.STOP,
    }
)


def citizen_required(
    view: Callable[Concatenate[HttpRequest, Citizen, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Signed in as a citizen, else to the sign-in, back here afterwards (as the account page)."""

    def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        citizen = citizen_for_user(user_id=request.user.pk if request.user.is_authenticated else None)
        if citizen is None:
            return HttpResponseRedirect(reverse("portal:sign_in") + "?" + urlencode({"next": request.get_full_path()}))
        return view(request, citizen, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def reference_of(dossier: Dossier) -> str:
    return dossier.code or str(dossier.uuid)


def _dossier(citizen: Citizen, reference: str) -> Dossier:
    try:
        return dossier_get_for_citizen(citizen=citizen, reference=reference)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _detail_url(dossier: Dossier) -> str:
    return reverse("portal:my_dossier", args=[reference_of(dossier)])


def _changed_message() -> str:
    return _(
        "The dossier changed while you were on this page (the agency may have acted on it). "
        "Nothing was sent. Read its current state below, then try again if it still applies."
    )


# -- the list and the page of a dossier -------------------------------------------------------------------


@never_cache
@require_GET
@citizen_required
def my_dossiers_view(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    page = Paginator(dossier_list_for_citizen(citizen=citizen), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"dossier": d, "reference": reference_of(d), "status": citizen_status(d)} for d in page.object_list]
    return render(
        request,
        "portal/tracking/list.html",
        {
            "citizen": citizen,
            "page": page,
            "rows": rows,
            "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
            "ellipsis": Paginator.ELLIPSIS,
        },
    )


@never_cache
@require_GET
@citizen_required
def my_dossier_view(request: HttpRequest, citizen: Citizen, reference: str) -> HttpResponse:
    dossier = _dossier(citizen, reference)
    state = State(dossier.state)
    results = list(dossier.results.all())
    return render(
        request,
        "portal/tracking/detail.html",
        {
            "dossier": dossier,
            "reference": reference_of(dossier),
            "status": citizen_status(dossier),
            "deadline": dossier_deadline_explained(dossier=dossier),
            "date_changes": dossier_date_changes(dossier=dossier),
            "timeline": dossier_timeline(dossier=dossier),
            "components": [c for c in dossier_components(dossier=dossier) if c.versions],
            "slips": [s for s in dossier_slips(dossier=dossier) if s.kind in APPLICANT_SLIPS],
            "results": results,
            "open_request": dossier_open_supplement_request(dossier=dossier),
            "can_withdraw": can_withdraw(dossier),
            "can_rate": state in RATEABLE_STATES,
            "rating": rating_latest(dossier=dossier, citizen=citizen),
        },
    )


# -- downloads ----------------------------------------------------------------------------------------------


def _attachment(opened: Any, *, name: str, content_type: str, inline: bool = False) -> FileResponse:
    response = FileResponse(opened, as_attachment=not inline, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _problem(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "portal/tracking/problem.html", {"message": str(exc.message)}, status=exc.status)


@require_GET
@citizen_required
def my_document_view(request: HttpRequest, citizen: Citizen, reference: str, file_uuid: str) -> HttpResponseBase:
    dossier = _dossier(citizen, reference)
    try:
        document = dossier_document_get(dossier=dossier, file_uuid=file_uuid)
        opened = stored_file_open(stored=document.file)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except DomainError as exc:
        return _problem(request, exc)
    return _attachment(opened, name=document.file.original_name, content_type=document.file.content_type)


@require_GET
@citizen_required
def my_result_view(request: HttpRequest, citizen: Citizen, reference: str, code: str) -> HttpResponseBase:
    dossier = _dossier(citizen, reference)
    result = next((r for r in dossier.results.all() if r.code == code and r.file is not None), None)
    if result is None or result.file is None:
        raise Http404(_("This dossier has no electronic result %(code)s.") % {"code": code})
    try:
        opened = stored_file_open(stored=result.file)
    except DomainError as exc:
        return _problem(request, exc)
    return _attachment(opened, name=f"{result.code}.pdf", content_type=result.file.content_type)


@require_GET
@citizen_required
def my_slip_view(request: HttpRequest, citizen: Citizen, reference: str, kind: str) -> HttpResponse:
    if kind not in APPLICANT_SLIPS:
        raise Http404
    number_text = request.GET.get("so", "1")
    if not number_text.isdigit():
        raise Http404
    dossier = _dossier(citizen, reference)
    number = int(number_text)
    try:
        rendered = slip_render(dossier=dossier, kind=kind, number=number)
    except SlipNotAvailable as exc:
        raise Http404(str(exc.message)) from exc
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    suffix = f"-{number}" if number > 1 else ""
    response["Content-Disposition"] = f'inline; filename="{reference_of(dossier)}-{kind}{suffix}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- answering a supplement request ------------------------------------------------------------------------


class SupplementForm(forms.Form):
    """One file per requested document (`document_<n>`), nothing else: the citizen sends exactly
    what was asked for."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, requested: list[RequestedDocument], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.requested = requested
        accept = UploadRules.default().allowed_extensions().replace(" ", "")
        for index, item in enumerate(requested):
            self.fields[supplement_field(index)] = forms.FileField(
                label=item.document,
                help_text=" ".join(item.reasons),
                widget=forms.ClearableFileInput(attrs={"accept": accept}),
                error_messages={
                    "required": _("Choose the file for “%(document)s”.") % {"document": item.document},
                    "empty": _("The file for “%(document)s” is empty.") % {"document": item.document},
                    "invalid": _("Choose a file for “%(document)s”.") % {"document": item.document},
                },
            )

    def document_fields(self) -> list[forms.BoundField]:
        return [self[supplement_field(i)] for i in range(len(self.requested))]


def _render_supplement(
    request: HttpRequest,
    dossier: Dossier,
    form: SupplementForm | None,
    open_request: SupplementRequest | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "portal/tracking/supplement.html",
        {
            "dossier": dossier,
            "reference": reference_of(dossier),
            "form": form,
            "open_request": open_request,
            "allowed": UploadRules.default().allowed_extensions(),
            "max_bytes": settings.DOCUMENTS_MAX_UPLOAD_BYTES,
        },
        status=status,
    )


@csrf_protect
@citizen_required
def _supplement(
    request: HttpRequest, citizen: Citizen, reference: str, size_limit: SizeLimitUploadHandler | None
) -> HttpResponse:
    dossier = _dossier(citizen, reference)
    open_request = dossier_open_supplement_request(dossier=dossier)
    if open_request is None:
        return _render_supplement(request, dossier, None, None, status=409 if request.method == "POST" else 200)
    requested = requested_documents(open_request)
    if request.method != "POST":
        return _render_supplement(
            request, dossier, SupplementForm(initial={"revision": dossier.revision}, requested=requested), open_request
        )
    form = SupplementForm(request.POST, request.FILES, requested=requested)
    if size_limit is not None and size_limit.refused:
        refusal = size_limit.refusal()
        assert refusal is not None
        # The dropped file is not in request.FILES: its field is the one left empty.
        for bound in form.document_fields():
            if bound.html_name not in request.FILES:
                form.add_error(bound.name, str(refusal.message))
                break
        else:
            form.add_error(None, str(refusal.message))
        return _render_supplement(request, dossier, form, open_request, status=413)
    if not form.is_valid():
        return _render_supplement(request, dossier, form, open_request, status=400)
    files = [
        SupplementFile(component=item.document, content=form.cleaned_data[supplement_field(index)])
        for index, item in enumerate(requested)
    ]
    try:
        dossier_supplement_answer(
            dossier=dossier, citizen=citizen, files=files, expected_revision=form.cleaned_data["revision"]
        )
    except DossierChanged:
        messages.error(request, _changed_message())
        return redirect(_detail_url(dossier))
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return _render_supplement(request, dossier, form, open_request, status=exc.status)
    messages.success(
        request,
        _("Your documents were sent. The time limit runs again; the new appointment is shown below."),
    )
    return redirect(_detail_url(dossier))


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def my_supplement_view(request: HttpRequest, reference: str) -> HttpResponseBase:
    size_limit = None
    if request.method == "POST":
        # First of the upload handlers, before the CSRF check reads the body: a file past the limit
        # is dropped as it arrives, never held whole (as on /xac-minh/).
        size_limit = SizeLimitUploadHandler(request, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES)
        request.upload_handlers = [size_limit, *request.upload_handlers]
    return _supplement(request, reference, size_limit)


# -- withdrawing --------------------------------------------------------------------------------------------


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you withdraw the dossier?"),
        help_text=gettext_lazy("The agency keeps this reason with the dossier."),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": gettext_lazy("Say why you withdraw the dossier."),
            "max_length": gettext_lazy("The reason has at most %(limit_value)d characters."),
        },
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_required
def my_withdraw_view(request: HttpRequest, citizen: Citizen, reference: str) -> HttpResponse:
    dossier = _dossier(citizen, reference)
    context: dict[str, Any] = {"dossier": dossier, "reference": reference_of(dossier), "allowed": can_withdraw(dossier)}
    if not context["allowed"]:
        return render(
            request, "portal/tracking/withdraw.html", context, status=409 if request.method == "POST" else 200
        )
    if request.method != "POST":
        context["form"] = WithdrawForm(initial={"revision": dossier.revision})
        return render(request, "portal/tracking/withdraw.html", context)
    form = WithdrawForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "portal/tracking/withdraw.html", context, status=400)
    if not form.cleaned_data["confirm"]:
        # The confirmation step: nothing is changed until the citizen confirms.
        return render(request, "portal/tracking/withdraw_confirm.html", context)
    try:
        dossier_withdraw_by_applicant(
            dossier=dossier,
            citizen=citizen,
            reason=form.cleaned_data["reason"],
            expected_revision=form.cleaned_data["revision"],
        )
    except DossierChanged:
        messages.error(request, _changed_message())
        return redirect(_detail_url(dossier))
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return render(request, "portal/tracking/withdraw.html", context, status=exc.status)
    messages.success(request, _("The dossier was withdrawn. The agency will not handle it."))
    return redirect(_detail_url(dossier))


# -- rating -------------------------------------------------------------------------------------------------

_NOT_APPLICABLE = "na"


def _criterion_field(label: Any, number: int, optional: bool) -> forms.TypedChoiceField:
    choices: list[tuple[str, Any]] = [
        (str(Satisfaction.VERY_SATISFIED.value), Satisfaction.VERY_SATISFIED.label),
        (str(Satisfaction.SATISFIED.value), Satisfaction.SATISFIED.label),
        (str(Satisfaction.NOT_SATISFIED.value), Satisfaction.NOT_SATISFIED.label),
    ]
    if optional:
        choices.append((_NOT_APPLICABLE, gettext_lazy("Not applicable")))
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        coerce=lambda value: None if value == _NOT_APPLICABLE else int(value),
        empty_value=None,
        error_messages={
            "required": _("Answer criterion %(number)s.") % {"number": number},
            "invalid_choice": _("Criterion %(number)s: choose one of the answers offered.") % {"number": number},
        },
    )


class RatingForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        help_text=gettext_lazy("What went well, what should be better. Do not write personal data here."),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": gettext_lazy("The comment has at most %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[criterion.field] = _criterion_field(criterion.label, criterion.number, criterion.optional)
        # The comment after the criteria.
        self.order_fields([c.field for c in CRITERIA] + ["comment"])

    def criteria_fields(self) -> list[tuple[int, forms.BoundField]]:
        return [(c.number, self[c.field]) for c in CRITERIA]

    @classmethod
    def initial_from(cls, rating: Rating | None) -> dict[str, Any]:
        if rating is None:
            return {}
        initial: dict[str, Any] = {"comment": rating.comment}
        for criterion in CRITERIA:
            value = getattr(rating, criterion.field)
            initial[criterion.field] = _NOT_APPLICABLE if value is None else str(value)
        return initial


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_required
def my_rating_view(request: HttpRequest, citizen: Citizen, reference: str) -> HttpResponse:
    dossier = _dossier(citizen, reference)
    latest = rating_latest(dossier=dossier, citizen=citizen)
    context: dict[str, Any] = {
        "dossier": dossier,
        "reference": reference_of(dossier),
        "allowed": State(dossier.state) in RATEABLE_STATES,
        "rating": latest,
    }
    if not context["allowed"]:
        return render(request, "portal/tracking/rate.html", context, status=409 if request.method == "POST" else 200)
    if request.method != "POST":
        context["form"] = RatingForm(initial=RatingForm.initial_from(latest))
        return render(request, "portal/tracking/rate.html", context)
    form = RatingForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "portal/tracking/rate.html", context, status=400)
    answers = {c.field: form.cleaned_data[c.field] for c in CRITERIA}
    try:
        rating_submit(dossier=dossier, citizen=citizen, answers=answers, comment=form.cleaned_data["comment"])
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return render(request, "portal/tracking/rate.html", context, status=exc.status)
    messages.success(request, _("Thank you. Your rating was recorded."))
    return redirect(_detail_url(dossier))
