"""RFC 9457 problem+json responses for every API error.

One handler turns DRF's exceptions and our DomainError into the same shape:
`{"type", "title", "status", "detail", "code", "errors": [{"parameter"|"field", "message"}]}`.
`code` is stable, so clients branch on it rather than on the translated `detail`.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from motcua.core.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    *, status_code: int, code: str, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://motcua.gov.vn/problems/{code}",
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        items: list[dict[str, str]] = []
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            items.extend(_flatten(value, name))
        return items
    if isinstance(detail, list):
        items = []
        for value in detail:
            items.extend(_flatten(value, prefix))
        return items
    return [{"field": prefix or "non_field_errors", "message": str(detail)}]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        request = context.get("request")
        key = "parameter" if request is not None and request.method in ("GET", "HEAD") else "field"
        errors = [{key: exc.field, "message": str(exc.message)}] if exc.field else None
        return problem_response(
            status_code=exc.status,
            code=exc.code,
            title=_("Request refused"),
            detail=str(exc.message),
            errors=errors,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        request = context.get("request")
        if request is not None and request.method in ("GET", "HEAD"):
            # On a GET every input is a query parameter: name it as such.
            errors = [{"parameter": e["field"], "message": e["message"]} for e in errors]
        detail = "; ".join(f"{next(iter(e.values()))}: {e['message']}" for e in errors)
        return problem_response(
            status_code=status.HTTP_400_BAD_REQUEST,
            code="invalid_input",
            title=_("Invalid input"),
            detail=detail,
            errors=errors,
        )
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        code_str = code if isinstance(code, str) else "error"
        problem = problem_response(
            status_code=response.status_code,
            code=code_str,
            title=str(exc.default_detail),
            detail=str(exc.detail),
        )
        for header in ("WWW-Authenticate", "Retry-After", "Allow"):
            if header in response:
                problem[header] = response[header]
        return problem
    return response
