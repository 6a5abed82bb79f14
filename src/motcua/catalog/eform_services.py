"""E-forms of procedures: publish a checked revision, find the one in use, load the packaged ones.

A revision is never changed: an operator's edit (catalog.admin) or a new packaged definition
appends revision n+1 through `eform_publish`, which checks the schema first (catalog.eforms), so a
broken form never reaches a citizen. The form in use for a procedure version is the newest revision
made for that version, else the newest for the procedure as a whole, else the generic form of
catalog.eforms.DEFAULT_SCHEMA (who asks, and what for).

Packaged definitions (`data/eforms/<code>.json`: {"procedure", "note", "schema"}) are loaded by
`eforms_load_packaged` (`motcua load-eforms`, and the demo loader): a definition whose schema is
already the one in use changes nothing, and a procedure whose form an operator has since edited
keeps the operator's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from motcua.catalog.eforms import EFormInvalid, EFormSchema, default_schema, schema_parse
from motcua.catalog.models import CatalogChange, EForm, Procedure, ProcedureVersion
from motcua.core.errors import InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = [
    "EFORMS_DIR",
    "EFormInUse",
    "EFormLoadSummary",
    "eform_for_version",
    "eform_publish",
    "eform_schema",
    "eforms_load_packaged",
]

EFORMS_DIR = Path(__file__).resolve().parent / "data" / "eforms"


@dataclass(frozen=True, slots=True)
class EFormInUse:
    """The schema of a form and the revision it comes from (None: the generic form)."""

    schema: EFormSchema
    eform: EForm | None

    @property
    def revision(self) -> int:
        return self.eform.revision if self.eform is not None else 0


def eform_schema(*, eform: EForm | None) -> EFormSchema:
    """The parsed schema of a stored revision, or the generic form for None (selector)."""
    if eform is None:
        return default_schema()
    return schema_parse(eform.schema)


def eform_for_version(*, version: ProcedureVersion) -> EFormInUse:
    """The form a citizen fills in for `version` (selector)."""
    # A form made for this version wins over the procedure's general one, whatever their revisions.
    eform = (
        EForm.objects.filter(procedure_version=version).order_by("-revision").first()
        or EForm.objects.filter(procedure_id=version.procedure_id, procedure_version__isnull=True)
        .order_by("-revision")
        .first()
    )
    return EFormInUse(schema=eform_schema(eform=eform), eform=eform)


@transaction.atomic
def eform_publish(
    *,
    procedure: Procedure,
    schema: Any,
    procedure_version: ProcedureVersion | None = None,
    note: str = "",
    source: str = EForm.Source.OPERATOR,
    user: User | None = None,
    actor: str = "",
) -> EForm:
    """Append a new revision of the procedure's e-form after checking its schema.

    Raises EFormInvalid (the schema, naming where it is wrong) or InvalidInput (a version of
    another procedure, an unknown source)."""
    schema_parse(schema)
    if procedure_version is not None and procedure_version.procedure_id != procedure.pk:
        raise InvalidInput(_("The version chosen is not a version of this procedure."), field="procedure_version")
    if source not in EForm.Source.values:
        raise InvalidInput(_("Unknown source of an e-form: %(source)s.") % {"source": source}, field="source")
    # The procedure's row lock: two operators publishing at once get revisions n+1 and n+2.
    Procedure.objects.select_for_update().filter(pk=procedure.pk).first()
    latest = EForm.objects.filter(procedure=procedure).aggregate(n=Max("revision"))["n"] or 0
    eform = EForm.objects.create(
        procedure=procedure,
        procedure_version=procedure_version,
        revision=latest + 1,
        schema=schema,
        source=source,
        note=note.strip()[:500],
        created_by=user,
    )
    CatalogChange.objects.create(
        procedure=procedure,
        version=procedure_version,
        action="eform_publish",
        actor=actor or (user.get_username() if user is not None else source),
        detail={"revision": eform.revision, "note": eform.note},
    )
    return eform


@dataclass(frozen=True, slots=True)
class EFormLoadSummary:
    created: int = 0
    unchanged: int = 0
    kept_operator: int = 0  # an operator edited the form since: theirs stays in use
    procedure_missing: int = 0  # the catalogue does not have the procedure (yet)

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.unchanged} unchanged, {self.kept_operator} kept as edited by an "
            f"operator, {self.procedure_missing} for procedures not in the catalogue"
        )


def _read(path: Path) -> tuple[str, str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EFormInvalid(_("%(file)s cannot be read: %(error)s") % {"file": path.name, "error": exc}) from exc
    if not isinstance(data, dict) or not isinstance(data.get("procedure"), str) or "schema" not in data:
        raise EFormInvalid(_("%(file)s must hold {“procedure”, “note”, “schema”}.") % {"file": path.name})
    return data["procedure"], str(data.get("note", "")), data["schema"]


def eforms_load_packaged(*, directory: Path = EFORMS_DIR, actor: str = "load-eforms") -> EFormLoadSummary:
    """Publish each packaged definition whose schema is not the procedure's form in use. Idempotent.

    Every file is checked before anything is written: one broken file loads nothing (EFormInvalid)."""
    definitions = [_read(path) for path in sorted(directory.glob("*.json"))]
    for code, _note, schema in definitions:
        try:
            schema_parse(schema)
        except EFormInvalid as exc:
            raise EFormInvalid(_("E-form of %(code)s: %(problem)s") % {"code": code, "problem": exc.message}) from exc
    created = unchanged = kept = missing = 0
    with transaction.atomic():
        for code, note, schema in definitions:
            procedure = Procedure.objects.filter(code=code).first()
            if procedure is None:
                missing += 1
                continue
            current = (
                EForm.objects.filter(procedure=procedure, procedure_version__isnull=True).order_by("-revision").first()
            )
            if current is not None and current.source == EForm.Source.OPERATOR:
                kept += 1
            elif current is not None and current.schema == schema:
                unchanged += 1
            else:
                eform_publish(procedure=procedure, schema=schema, note=note, source=EForm.Source.PACKAGED, actor=actor)
                created += 1
    return EFormLoadSummary(created=created, unchanged=unchanged, kept_operator=kept, procedure_missing=missing)
