"""Writes of the citizens context: sign-in from verified claims, businesses, authorisations.

Every function runs in one transaction and appends history rather than editing it: a sign-in
appends a `SignIn`, an authorisation is ended by appending an `AuthorisationRevocation`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from motcua.citizens.claims import IdentityClaims
from motcua.citizens.errors import SignInErrorCode, SignInFailed
from motcua.citizens.models import (
    Authorisation,
    AuthorisationRevocation,
    Business,
    Citizen,
    SignIn,
)
from motcua.core import clock
from motcua.core.errors import Conflict, InvalidInput, NotFound
from motcua.core.text import nfc
from motcua.geo.models import AdministrativeUnit, UnitLevel
from motcua.geo.selectors import unit_get
from motcua.identity.identifiers import InvalidIdentifier, parse_tax_code

logger = logging.getLogger(__name__)

# Catalog procedure codes ("1.001193", "2.000986"); the same shape catalog.search accepts.
_PROCEDURE_CODE: Final = re.compile(r"[0-9][0-9A-Za-z.]{0,31}", re.ASCII)
_PROFILE_FIELDS: Final = ("full_name", "birth_date", "gender", "address", "phone", "email")


def citizen_sign_in_from_claims(*, claims: IdentityClaims) -> Citizen:
    """Creates or updates the citizen the identity provider vouched for, and records the sign-in.

    The citizen is found by the provider's (issuer, subject), else by the personal identification
    number; a new one gets a Django user with an unusable password (citizens never have a password
    of ours, domain §3.7). Profile fields the provider sent replace ours (it is the authority for
    them); fields it did not send are kept. When the claims list the businesses the person
    represents, the legal-representative authorisations asserted by the provider are brought in
    line: new ones granted, ones no longer asserted revoked. Appends a SignIn row.
    Raises SignInFailed(ACCOUNT_CONFLICT) when the provider's subject is already linked to another
    personal identification number; nothing is changed then.
    """
    with transaction.atomic():
        now = clock.now()
        citizen = _citizen_for_update(claims)
        changed: list[str]
        if citizen is None:
            try:
                with transaction.atomic():
                    citizen, changed = _citizen_create(claims, now=now)
            except IntegrityError:
                # A concurrent first sign-in of the same person committed first: update that row.
                citizen = _citizen_for_update(claims)
                if citizen is None:
                    raise
                changed = _citizen_update(citizen, claims, now=now)
        else:
            changed = _citizen_update(citizen, claims, now=now)
        SignIn.objects.create(
            citizen=citizen,
            signed_in_at=now,
            idp_issuer=claims.issuer,
            idp_subject=claims.subject,
            acr=claims.acr,
            assurance_level=claims.assurance_level,
            changed_fields=changed,
        )
        if claims.businesses is not None:
            _represented_businesses_sync(citizen=citizen, claims=claims)
    return citizen


def _citizen_for_update(claims: IdentityClaims) -> Citizen | None:
    by_subject = (
        Citizen.objects.select_for_update().filter(idp_issuer=claims.issuer, idp_subject=claims.subject).first()
    )
    if by_subject is not None and by_subject.personal_id != claims.personal_id:
        logger.warning(
            "sign-in refused: subject %s of %s is linked to citizen %s, the claims name another personal id",
            claims.subject,
            claims.issuer,
            by_subject.pk,
        )
        raise SignInFailed(SignInErrorCode.ACCOUNT_CONFLICT, log_detail="subject linked to another personal id")
    return by_subject or Citizen.objects.select_for_update().filter(personal_id=claims.personal_id).first()


def _citizen_create(claims: IdentityClaims, *, now: Any) -> tuple[Citizen, list[str]]:
    # No password: create_user calls set_unusable_password() when password is None.
    user = User.objects.create_user(username=f"citizen-{claims.personal_id}", password=None, email=claims.email or "")
    citizen = Citizen(
        user=user,
        personal_id=claims.personal_id,
        idp_issuer=claims.issuer,
        idp_subject=claims.subject,
        assurance_level=claims.assurance_level,
        created_at=now,
        last_sign_in_at=now,
        full_name=claims.full_name,
    )
    changed = ["personal_id", *_profile_apply(citizen, claims)]
    _check(citizen)
    citizen.save()
    return citizen, changed


def _citizen_update(citizen: Citizen, claims: IdentityClaims, *, now: Any) -> list[str]:
    changed = _profile_apply(citizen, claims)
    if (citizen.idp_issuer, citizen.idp_subject) != (claims.issuer, claims.subject):
        # The same person through another provider account (e.g. a new VNeID account): follow it.
        citizen.idp_issuer, citizen.idp_subject = claims.issuer, claims.subject
        changed.append("idp_subject")
    citizen.assurance_level = claims.assurance_level
    citizen.last_sign_in_at = now
    _check(citizen)
    citizen.save()
    if "email" in changed and citizen.user.email != citizen.email:
        citizen.user.email = citizen.email
        citizen.user.save(update_fields=["email"])
    return changed


def _check(citizen: Citizen) -> None:
    # claims_map already checked every value; this is the model's last word (lengths, choices).
    # Uniqueness is left to the database: a concurrent first sign-in is an IntegrityError, handled above.
    try:
        citizen.full_clean(exclude=["user", "commune"], validate_unique=False)
    except ValidationError as error:
        detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        raise SignInFailed(SignInErrorCode.CLAIMS_INVALID, log_detail=detail, detail=detail) from error


def _profile_apply(citizen: Citizen, claims: IdentityClaims) -> list[str]:
    """Copies the fields the provider sent onto the citizen; returns the names of those that changed."""
    changed: list[str] = []
    for field in _PROFILE_FIELDS:
        value = getattr(claims, field)
        if value is None:
            continue
        if getattr(citizen, field) != value:
            setattr(citizen, field, value)
            changed.append(field)
    if claims.commune_code is not None:
        commune = _commune(claims.commune_code)
        if commune is not None and citizen.commune_id != commune.pk:
            citizen.commune = commune
            changed.append("commune")
    return changed


def _commune(code: str) -> AdministrativeUnit | None:
    try:
        return unit_get(code=code, level=UnitLevel.COMMUNE, at=clock.today())
    except NotFound:
        # The address text is still stored; only the link to the unit is missing (e.g. the reference
        # data is not loaded, or the provider still sends a pre-2025 code).
        logger.warning("sign-in: commune code %s is not a commune in force; the address is kept as text", code)
        return None


def _represented_businesses_sync(*, citizen: Citizen, claims: IdentityClaims) -> None:
    assert claims.businesses is not None
    today = clock.today()
    asserted: dict[int, Business] = {}
    for business_claim in claims.businesses:
        business = business_register(
            tax_code=business_claim.tax_code, name=business_claim.name, address=business_claim.address
        )
        asserted[business.pk] = business
    active = {
        authorisation.business_id: authorisation
        # of=self: the revocation join is an outer join, whose nullable side PostgreSQL cannot lock.
        for authorisation in Authorisation.objects.select_for_update(of=("self",)).filter(
            agent=citizen,
            source=Authorisation.Source.IDENTITY_PROVIDER,
            kind=Authorisation.Kind.LEGAL_REPRESENTATIVE,
            revocation__isnull=True,
        )
    }
    for business_id, business in asserted.items():
        if business_id not in active:
            authorisation_grant(
                agent=citizen,
                business=business,
                kind=Authorisation.Kind.LEGAL_REPRESENTATIVE,
                all_procedures=True,
                valid_from=today,
                document_reference=f"{claims.issuer} (sign-in {today.isoformat()})",
                source=Authorisation.Source.IDENTITY_PROVIDER,
            )
    for held_for, authorisation in active.items():
        if held_for not in asserted:
            authorisation_revoke(
                authorisation=authorisation,
                reason="No longer asserted by the identity provider at sign-in.",
            )


def business_register(*, tax_code: str, name: str, address: str = "") -> Business:
    """Creates the business with this tax code, or updates its name and address.

    Legal basis: Nghị định 126/2020/NĐ-CP art. 6, Luật Doanh nghiệp 59/2020/QH14 art. 29 (domain
    §10.2): an enterprise is identified by its enterprise code, which is its tax code; a 12-digit
    personal identification number is refused (a person acts as a citizen).
    Raises InvalidInput (field "tax_code", "name").
    """
    try:
        number = parse_tax_code(tax_code, accept_personal_id=False).number
    except InvalidIdentifier as error:
        error.field = "tax_code"
        raise
    clean_name = " ".join(nfc(name).split())
    if not clean_name:
        raise InvalidInput(_("The business's name is empty."), field="name")
    clean_address = " ".join(nfc(address).split())
    now = clock.now()
    with transaction.atomic():
        business = Business.objects.select_for_update().filter(tax_code=number).first()
        if business is None:
            business = Business(tax_code=number, name=clean_name, address=clean_address, created_at=now, updated_at=now)
            business.full_clean()
            business.save()
        elif (business.name, business.address) != (clean_name, clean_address):
            business.name, business.address, business.updated_at = clean_name, clean_address, now
            business.full_clean()
            business.save(update_fields=["name", "address", "updated_at"])
    return business


def authorisation_grant(
    *,
    agent: Citizen,
    kind: str,
    valid_from: date,
    document_reference: str,
    business: Business | None = None,
    principal_citizen: Citizen | None = None,
    all_procedures: bool = False,
    procedure_codes: Iterable[str] = (),
    valid_until: date | None = None,
    granted_by: User | None = None,
    source: str = Authorisation.Source.RECORDED,
) -> Authorisation:
    """Records that `agent` may act for one business or one other citizen.

    Legal basis: Bộ luật Dân sự 91/2015/QH13 art. 134-140 [U] (see Authorisation): representation is
    either by law (legal representative) or by an authorisation document, for a scope and a period;
    the document is referenced, so that an officer can check it.
    The scope is every procedure or a non-empty list of procedure codes. Refuses an authorisation
    that has already ended. Raises InvalidInput naming the field.
    """
    if (business is None) == (principal_citizen is None):
        raise InvalidInput(_("Give exactly one business or one citizen to act for."), field="principal")
    if principal_citizen is not None and principal_citizen.pk == agent.pk:
        raise InvalidInput(_("A citizen cannot be authorised to act for themselves."), field="principal_citizen")
    if kind not in Authorisation.Kind.values:
        raise InvalidInput(_("Unknown kind of authorisation: “%(kind)s”.") % {"kind": kind}, field="kind")
    if source not in Authorisation.Source.values:
        raise InvalidInput(_("Unknown source of authorisation: “%(source)s”.") % {"source": source}, field="source")
    codes = _procedure_codes(procedure_codes)
    if all_procedures and codes:
        raise InvalidInput(_("Either every procedure or a list of procedures, not both."), field="procedure_codes")
    if not all_procedures and not codes:
        raise InvalidInput(
            _("Say which procedures the authorisation covers, or that it covers every procedure."),
            field="procedure_codes",
        )
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(_("The last day of validity cannot be before the first."), field="valid_until")
    if valid_until is not None and valid_until < clock.today():
        raise InvalidInput(_("This authorisation has already ended; it cannot be recorded."), field="valid_until")
    reference = " ".join(document_reference.split())
    if not reference:
        raise InvalidInput(
            _("Give the reference of the authorisation document (number and date)."), field="document_reference"
        )
    if len(reference) > 300:
        raise InvalidInput(_("The document reference is longer than 300 characters."), field="document_reference")
    with transaction.atomic():
        return Authorisation.objects.create(
            agent=agent,
            business=business,
            principal_citizen=principal_citizen,
            kind=kind,
            source=source,
            all_procedures=all_procedures,
            procedure_codes=codes,
            valid_from=valid_from,
            valid_until=valid_until,
            document_reference=reference,
            granted_at=clock.now(),
            granted_by=granted_by,
        )


def _procedure_codes(values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise InvalidInput(_("Give the procedure codes as a list."), field="procedure_codes")
    codes: list[str] = []
    for value in values:
        code = value.strip() if isinstance(value, str) else ""
        if _PROCEDURE_CODE.fullmatch(code) is None:
            raise InvalidInput(
                _("“%(code)s” is not a procedure code such as 1.001193.") % {"code": str(value)[:40]},
                field="procedure_codes",
            )
        if code not in codes:
            codes.append(code)
    return codes


def authorisation_revoke(
    *, authorisation: Authorisation, reason: str, revoked_by: User | None = None
) -> AuthorisationRevocation:
    """Ends the authorisation now by appending its revocation; the authorisation itself is kept.

    Raises InvalidInput (empty reason), Conflict when it is already revoked.
    """
    clean_reason = " ".join(reason.split())
    if not clean_reason:
        raise InvalidInput(_("Give the reason for the revocation."), field="reason")
    if len(clean_reason) > 500:
        raise InvalidInput(_("The reason is longer than 500 characters."), field="reason")
    with transaction.atomic():
        # The row lock makes two concurrent revocations queue; the second sees the first's row.
        Authorisation.objects.select_for_update().filter(pk=authorisation.pk).get()
        if AuthorisationRevocation.objects.filter(authorisation_id=authorisation.pk).exists():
            raise Conflict(_("This authorisation has already been revoked."), field="authorisation")
        return AuthorisationRevocation.objects.create(
            authorisation=authorisation, revoked_at=clock.now(), revoked_by=revoked_by, reason=clean_reason
        )
