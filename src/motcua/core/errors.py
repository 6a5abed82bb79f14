"""The error hierarchy raised by services and pure rules.

Services never raise HTTP errors; the interfaces map a DomainError to their medium: the API to
a problem+json body with the stable `code` (motcua.api.problems), pages to a form error.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the request. `code` is stable and machine-readable."""

    code: str = "domain_error"
    status: int = 422

    def __init__(self, message: str | Promise, *, field: str | None = None, **params: Any) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.params = params


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409
