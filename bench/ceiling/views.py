"""Two bare endpoints on the product's stack: what a request costs before any business logic.

Same middleware, same DRF settings (renderer, problem handler), same token authentication and
permission, same JSON parser and the same database as POST and GET /api/v1/dossiers; the work
is one INSERT (autocommit, like a single-statement transaction) or one SELECT by a unique key.
The table is created by the benchmark (TABLE_SQL), not by a migration: it is not the product's.
"""

from __future__ import annotations

import json

from django.db import connection
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.auth import AUTHENTICATION_CLASSES, caller_of
from motcua.core import clock
from motcua.core.errors import NotFound

TABLE = "bench_ceiling_row"
TABLE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(id bigserial PRIMARY KEY, key varchar(255) NOT NULL UNIQUE, body jsonb NOT NULL, created_at timestamptz NOT NULL)"
)


class _CeilingApi(APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]


class CeilingRowCreateApi(_CeilingApi):
    def post(self, request: Request) -> Response:
        caller_of(request)
        key = request.headers.get("Idempotency-Key", "")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (key, body, created_at) VALUES (%s, %s, %s) RETURNING id",  # noqa: S608 (constant)
                [key, json.dumps(request.data, ensure_ascii=False), clock.now()],
            )
            row = cursor.fetchone()
        assert row is not None
        return Response({"id": row[0], "key": key}, status=201)


class CeilingRowDetailApi(_CeilingApi):
    def get(self, request: Request, key: str) -> Response:
        caller_of(request)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, key, body, created_at FROM {TABLE} WHERE key = %s", [key])  # noqa: S608
            row = cursor.fetchone()
        if row is None:
            raise NotFound(f"no row {key}", field="key")
        body = row[2] if isinstance(row[2], dict) else json.loads(row[2])
        return Response({"id": row[0], "key": row[1], "body": body, "created_at": row[3]})
