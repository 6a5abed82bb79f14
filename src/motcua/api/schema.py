"""Shared OpenAPI pieces: every error is documented as problem+json."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

PROBLEM = inline_serializer(
    "Problem",
    {
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.ListField(child=serializers.DictField(), required=False),
    },
)

PROBLEM_RESPONSES = {
    400: OpenApiResponse(PROBLEM, description="Invalid input (problem+json); `errors` names each parameter."),
    404: OpenApiResponse(PROBLEM, description="Not found (problem+json)."),
}
