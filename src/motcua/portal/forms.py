"""The GET forms of the catalogue pages: they validate what is in the address bar, nothing more.

A bad value (a level that does not exist, a date that is not one) becomes a form error shown in
the user's language and a 400 answer, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Channel, Level, OnlineLevel

ANY = ("", _("Any"))

# Districts were abolished on 1 July 2025: the filter offers the levels that receive dossiers today.
LEVEL_CHOICES = [ANY, *((value, label) for value, label in Level.choices if value != Level.DISTRICT)]
ONLINE_LEVEL_CHOICES = [ANY, *OnlineLevel.choices]
CHANNEL_CHOICES = [ANY, *Channel.choices]


class ProcedureSearchForm(forms.Form):
    """The search box and filters of /thu-tuc/; every field is optional."""

    q = forms.CharField(
        widget=forms.SearchInput,
        label=_("Search for a procedure"),
        help_text=_("For example: đăng ký khai sinh"),
        required=False,
        max_length=200,
        strip=True,
        error_messages={"max_length": _("Use at most %(limit_value)d characters in the search box.")},
    )
    field = forms.ChoiceField(
        label=_("Field"),
        required=False,
        error_messages={"invalid_choice": _("Choose a field from the list; “%(value)s” is not one of them.")},
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=LEVEL_CHOICES,
        error_messages={"invalid_choice": _("Choose a level from the list; “%(value)s” is not one of them.")},
    )
    online_level = forms.ChoiceField(
        label=_("Online service"),
        required=False,
        choices=ONLINE_LEVEL_CHOICES,
        error_messages={
            "invalid_choice": _("Choose an online service level from the list; “%(value)s” is not one of them.")
        },
    )
    channel = forms.ChoiceField(
        label=_("How to submit"),
        required=False,
        choices=CHANNEL_CHOICES,
        error_messages={
            "invalid_choice": _("Choose a way of submitting from the list; “%(value)s” is not one of them.")
        },
    )
    agency = forms.CharField(
        label=_("Agency"),
        help_text=_("Part of the agency's name, for example: Ủy ban nhân dân cấp xã"),
        required=False,
        max_length=200,
        strip=True,
        error_messages={"max_length": _("Use at most %(limit_value)d characters for the agency.")},
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, fields: Sequence[str] = ()) -> None:
        super().__init__(data, label_suffix="")
        field = self.fields["field"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [ANY, *((name, name) for name in fields)]

    @property
    def filtered(self) -> bool:
        """Whether the visitor asked for anything (a valid form with no value lists everything)."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class VersionQueryForm(forms.Form):
    """`?version=N` or `?at=YYYY-MM-DD` on a procedure page."""

    version = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={
            "invalid": _("The version must be a whole number, for example 2."),
            "min_value": _("The version must be a whole number, for example 2."),
        },
    )
    at = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Give the date as DD/MM/YYYY or YYYY-MM-DD, for example 01/07/2025.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("version") is not None and cleaned.get("at") is not None:
            raise forms.ValidationError(_("Give either a version or a date, not both."))
        return cleaned
