"""Domain events of ratings, published through the outbox (core.events, ADR 0006).

The service-quality indicators will subscribe (QĐ 766/QĐ-TTg group 5, domain §5.3): they need the
dossier, its procedure and competent agency, the overall answer and whether the applicant was
dissatisfied, and read the other answers through ratings.selectors when they need them. Nothing
identifies the citizen: the indicators count ratings, not people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from motcua.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class DossierRated(DomainEvent):
    """An applicant rated the service for a dossier (version 1), or answered again (version n)."""

    event_type = "ratings.dossier_rated"

    rating_uuid: str
    dossier_uuid: str
    dossier_code: str | None
    procedure_code: str
    competent_agency_code: str
    version: int
    overall: int
    # The overall answer is "not satisfied": what indicator 5.4 counts against the agency.
    dissatisfied: bool
    has_comment: bool
    at: datetime
