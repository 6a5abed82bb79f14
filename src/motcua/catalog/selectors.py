"""Reads of the procedure catalogue: the version in force, a version by number or date, listings."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from motcua.catalog.models import ChannelOption, Procedure, ProcedureVersion
from motcua.core import clock
from motcua.core.errors import NotFound

# Versions that were at some time the law (drafts never were).
_ONCE_IN_FORCE = (
    ProcedureVersion.Status.PUBLISHED,
    ProcedureVersion.Status.AMENDED,
    ProcedureVersion.Status.ABOLISHED,
)


def _with_children(queryset: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    return queryset.select_related("procedure").prefetch_related(
        "fields",
        Prefetch("channels", queryset=ChannelOption.objects.prefetch_related("fees").order_by("order")),
        "documents",
        "legal_basis",
        "results",
        "flows__steps",
    )


def version_in_force(*, code: str, at: date | None = None) -> ProcedureVersion:
    """The version of procedure `code` in force on `at` (today by default): what a dossier pins.

    Raises NotFound when the procedure does not exist or no version was in force that day.
    """
    day = at or clock.now().date()
    version = (
        _with_children(
            ProcedureVersion.objects.filter(procedure__code=code, status__in=_ONCE_IN_FORCE).filter(
                Q(effective_from__isnull=True) | Q(effective_from__lte=day),
                Q(effective_to__isnull=True) | Q(effective_to__gte=day),
            )
        )
        .order_by("-number")
        .first()
    )
    if version is None:
        if not Procedure.objects.filter(code=code).exists():
            raise NotFound(_("There is no procedure with the code %(code)s.") % {"code": code}, field="code")
        raise NotFound(
            _("Procedure %(code)s had no version in force on %(day)s.")
            % {"code": code, "day": day.strftime("%d/%m/%Y")},
            field="at",
        )
    return version


def version_get(*, code: str, number: int) -> ProcedureVersion:
    version = _with_children(ProcedureVersion.objects.filter(procedure__code=code, number=number)).first()
    if version is None:
        raise NotFound(
            _("Procedure %(code)s has no version %(number)s.") % {"code": code, "number": number}, field="version"
        )
    return version


def versions_of(*, code: str) -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(procedure__code=code).order_by("number")


def procedures_published() -> QuerySet[Procedure]:
    """Procedures with a version in force, for the public catalogue."""
    return Procedure.objects.filter(is_abolished=False, versions__status=ProcedureVersion.Status.PUBLISHED).distinct()
