"""/tra-cuu/: anyone looks up the state of a dossier with its code and a second factor, without signing in.

The second factor is the applicant's personal ID number or tax code, or the look-up code printed on
the receipt (dossiers.lookup, which also decides what is shown: nothing personal beyond initials,
domain §13). The form is sent by POST, so that an ID number never ends up in an address bar, a
browser history or a server log. An unknown code and a wrong second factor get the same answer.

Guessing is throttled: after `MAX_FAILURES_PER_CLIENT` failed look-ups from one address within
`WINDOW_SECONDS`, or `MAX_FAILURES_PER_CODE` on one dossier code from anywhere (a distributed
guess at one dossier), every look-up is refused with 429 until the window passes, a right one
too, so that the throttle says nothing about the answer. Counts live in Django's cache: with
several server processes, set a shared one (CACHE_URL=db or redis://; the local-memory default
counts per process, and `motcua check --deploy` says so). The client address is REMOTE_ADDR: a
proxy in front must set it (not X-Forwarded-For, which a client can forge).
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.dossiers.lookup import dossier_lookup

TEMPLATE = "portal/lookup.html"

MAX_FAILURES_PER_CLIENT: Final = 10
MAX_FAILURES_PER_CODE: Final = 20
WINDOW_SECONDS: Final = 15 * 60


class LookupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Dossier code"),
        help_text=gettext_lazy("Printed on the receipt, for example 267.40.01.X79-260302-0001."),
        max_length=64,
        strip=True,
        error_messages={
            "required": gettext_lazy("Type the dossier code."),
            "max_length": gettext_lazy("A dossier code has at most %(limit_value)d characters."),
        },
    )
    second_factor = forms.CharField(
        label=gettext_lazy("ID number of the applicant, or look-up code"),
        help_text=gettext_lazy(
            "The applicant's personal identification number or tax code, or the 8-character look-up "
            "code printed on the receipt (for example ABCD-EFGH)."
        ),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": gettext_lazy("Type the ID number of the applicant or the look-up code."),
            "max_length": gettext_lazy("This field has at most %(limit_value)d characters."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys stay short and safe for every backend, and hold no ID number or code.
    return f"portal:lookup:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _throttled(*keys: tuple[str, int]) -> bool:
    return any(int(cache.get(key, 0)) >= limit for key, limit in keys)


def _count_failure(key: str) -> None:
    # A fixed window from the first failure: add() starts it, incr() keeps its expiry.
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=WINDOW_SECONDS)


@never_cache
@require_http_methods(["GET", "POST"])
def lookup_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": LookupForm()})
    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    code = form.cleaned_data["code"]
    client_key = _key("client", _client(request))
    code_key = _key("code", code.upper())
    if _throttled((client_key, MAX_FAILURES_PER_CLIENT), (code_key, MAX_FAILURES_PER_CODE)):
        form.add_error(
            None,
            _(
                "Too many unsuccessful look-ups. For your security, look-ups are paused for %(minutes)d minutes; "
                "try again later, or sign in to see your dossiers."
            )
            % {"minutes": WINDOW_SECONDS // 60},
        )
        return render(request, TEMPLATE, {"form": form, "throttled": True}, status=429)
    found = dossier_lookup(code=code, second_factor=form.cleaned_data["second_factor"])
    if found is None:
        _count_failure(client_key)
        _count_failure(code_key)
        form.add_error(
            None,
            _(
                "No dossier matches this code and this ID number or look-up code. Check both against "
                "the receipt and try again."
            ),
        )
        return render(request, TEMPLATE, {"form": form}, status=404)
    # The answer is shown once; the form is offered empty again (nothing typed is echoed back).
    return render(request, TEMPLATE, {"form": LookupForm(), "found": found})
