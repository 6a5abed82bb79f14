"""Reads of the citizens context: who is signed in, and for whom they may act."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.citizens.models import Authorisation, Citizen
from motcua.core import clock


def citizen_for_user(*, user_id: int | None) -> Citizen | None:
    """The citizen behind a Django user, or None (anonymous, or an officer's account)."""
    if user_id is None:
        return None
    return Citizen.objects.select_related("commune").filter(user_id=user_id).first()


def authorisations_in_force(*, agent: Citizen, at: datetime | None = None) -> QuerySet[Authorisation]:
    """The agent's authorisations valid on the day of `at` (default: now) and not revoked by then.

    Validity dates are Vietnamese calendar days, both inclusive; a revocation takes effect at its
    moment.
    """
    moment = at or clock.now()
    day = timezone.localdate(moment)
    return (
        Authorisation.objects.filter(agent=agent, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .filter(Q(revocation__isnull=True) | Q(revocation__revoked_at__gt=moment))
        .select_related("business", "principal_citizen")
        .order_by("business__name", "principal_citizen__full_name", "pk")
    )


@dataclass(frozen=True, slots=True)
class Principal:
    """Someone a citizen may act for: themselves, a business or another citizen."""

    kind: str  # "self", "business" or "citizen"
    name: str
    identifier: str  # the personal identification number or the tax code
    authorisation: Authorisation | None  # None for "self"

    @property
    def procedure_codes(self) -> list[str] | None:
        """The procedures covered; None means every procedure."""
        if self.authorisation is None or self.authorisation.all_procedures:
            return None
        return list(self.authorisation.procedure_codes)


def principals_for(*, citizen: Citizen, at: datetime | None = None) -> list[Principal]:
    """For whom the citizen can act at `at` (default: now): themselves first, then by authorisation."""
    principals = [Principal(kind="self", name=citizen.full_name, identifier=citizen.personal_id, authorisation=None)]
    for authorisation in authorisations_in_force(agent=citizen, at=at):
        if authorisation.business is not None:
            business = authorisation.business
            principals.append(
                Principal(
                    kind="business", name=business.name, identifier=business.tax_code, authorisation=authorisation
                )
            )
        else:
            other = authorisation.principal_citizen
            assert other is not None  # citizens_authorisation_one_principal
            principals.append(
                Principal(
                    kind="citizen", name=other.full_name, identifier=other.personal_id, authorisation=authorisation
                )
            )
    return principals
