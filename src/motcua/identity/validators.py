"""Django validators for identifier fields, on models and forms alike.

They raise `ValidationError` with the same message and `code` as the `InvalidIdentifier` of
`motcua.identity.identifiers`, so a form, the API and a service refuse the same input in the same
words. Validators only judge: store the canonical form (`parse_personal_id(value).number`,
`parse_tax_code(value).number`), which has the surrounding whitespace removed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from motcua.identity.identifiers import (
    InvalidIdentifier,
    parse_tax_code,
    validate_personal_id,
)

__all__ = ["validate_personal_id_number", "validate_tax_code"]


def validate_personal_id_number(value: str) -> None:
    """A 12-digit personal identification number with a known province code and no future year."""
    try:
        validate_personal_id(value)
    except InvalidIdentifier as error:
        raise _validation_error(error) from error


def validate_tax_code(value: str) -> None:
    """A tax (enterprise) code: 10 digits, NNNNNNNNNN-NNN, or a personal identification number.

    A personal identification number given as tax code gets the full personal-number checks,
    including the refusal of a future year of birth.
    """
    try:
        tax_code = parse_tax_code(value)
        if tax_code.personal_id is not None:
            validate_personal_id(tax_code.number)
    except InvalidIdentifier as error:
        raise _validation_error(error) from error


def _validation_error(error: InvalidIdentifier) -> ValidationError:
    # Django interpolates `params` into the (lazy) template when the message is displayed, in the
    # language active then: the same text as `str(error.message)`.
    return ValidationError(error.template, code=error.code, params=error.params)
