"""Idempotent creation: `Idempotency-Key: <key>` on a POST that creates something.

A client that lost the answer to a POST (a timeout, a dropped connection) sends the same request
again with the same key. The first time, the resource is created and the response stored with the
key; every retry with the same key and the same body gets that response back (status 200 and the
original body, with `Idempotent-Replayed: true`) and creates nothing. The same key with a different
body is refused: 409 `idempotency_key_reused`.

Race-safe by the database, not by a check-then-insert: the key row, with the response, is
inserted at the end of the transaction that creates the resource, under a unique constraint on
(client, key). A concurrent request with the same key that got that far blocks on that unique index
until the first transaction ends (PostgreSQL), or waits for the write lock (SQLite: every
transaction begins IMMEDIATE); if the first committed, its insert fails, its transaction (and what
it created) rolls back, and it answers with the stored response; if the first failed and rolled
back, its own insert goes through. Only successful responses are stored: a refused
request (400, 403, 409...) leaves no key behind and may be corrected and sent again with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from motcua.api.models import IdempotencyKey
from motcua.core import clock
from motcua.core.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


def request_hash(request: Request) -> str:
    """SHA-256 of the method, the path and the body as canonical JSON (key order and spacing ignored)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def idempotency_key_of(request: Request) -> str:
    """The request's key. Raises InvalidInput when it is missing or malformed."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise InvalidInput(
            _("Send an Idempotency-Key header (e.g. a new UUID for each submission) so that retries are safe."),
            field=HEADER,
        )
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            _("The Idempotency-Key must be at most %(max)s printable ASCII characters.") % {"max": MAX_KEY_LENGTH},
            field=HEADER,
        )
    return key


def _key_record(client: str, key: str) -> IdempotencyKey | None:
    # Unique (client, key): a slice, not .first(), which would order by the primary key for nothing.
    return next(iter(IdempotencyKey.objects.filter(client=client, key=key)[:1]), None)


def _replay_stored(client: str, key: str, digest: str) -> Response | None:
    """The answer stored under the key, replayed; None when there is none."""
    record = _key_record(client, key)
    return _replay(record, digest) if record is not None else None


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_hash != digest:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used for a different request; use a new key for a new submission."),
            field=HEADER,
        )
    response = Response(record.response_body, status=200)
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent_create(
    *,
    request: Request,
    client: str,
    create: Callable[[], tuple[Response, dict[str, Any]]],
) -> Response:
    """Run `create` once per (client, key): it returns the response (201) and the body to store.

    `create` and the key's record share one transaction: the record is inserted last, with the
    response, so a submission is one transaction and one commit. Two requests with the same key at
    once both run `create`; the second one's insert waits on the unique index until the first
    commits, then fails, and its whole transaction (its dossier included) rolls back: it answers
    with the first one's response. Whatever `create` raises rolls everything back, the key too.
    """
    key = idempotency_key_of(request)
    digest = request_hash(request)
    replayed = _replay_stored(client, key, digest)
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            response, body = create()
            IdempotencyKey.objects.create(
                client=client,
                key=key,
                request_hash=digest,
                response_status=response.status_code,
                response_body=body,
                created_at=clock.now(),
            )
    except IntegrityError:
        replayed = _replay_stored(client, key, digest)
        if replayed is None:
            raise  # not the key's unique constraint: a real integrity error of `create`
        return replayed
    return response


@dataclass(frozen=True, slots=True)
class KeyClaim:
    """The key of a request being created by `idempotent_insert`."""

    client: str
    key: str
    request_hash: str

    def record(self, status: int, body: dict[str, Any]) -> IdempotencyKey:
        """The unsaved record that stores the answer under this key, to be inserted together with
        what the request creates (core.bulk.insert_together)."""
        return IdempotencyKey(
            client=self.client,
            key=self.key,
            request_hash=self.request_hash,
            response_status=status,
            response_body=body,
            created_at=clock.now(),
        )


def idempotent_insert(*, request: Request, client: str, create: Callable[[KeyClaim], Response]) -> Response:
    """`idempotent_create` for a `create` so cheap that it inserts the key's record itself, in the
    same statement as the one row it creates (`KeyClaim.record`): an asynchronous submission.

    There is no look-up first: a retry runs `create` again, and its insert is refused by the key's
    unique index (nothing written), so it answers with the stored response, as does a request whose
    twin committed first. A retry whose input no longer passes (the procedure was abolished
    meanwhile) still gets the first answer, not the new refusal."""
    claim = KeyClaim(client=client, key=idempotency_key_of(request), request_hash=request_hash(request))
    try:
        return create(claim)
    except Exception:
        # The key's unique constraint (a retry, or a twin that committed first), or a refusal of a
        # retry: the stored answer, if there is one.
        replayed = _replay_stored(client, claim.key, claim.request_hash)
        if replayed is None:
            raise
        return replayed
