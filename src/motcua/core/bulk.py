"""Writing many rows in few statements, where the ORM's bulk methods cost more than the database.

`insert_together`: several new rows of different tables written as one. For the hottest write of
the API, the acceptance of an asynchronous submission, whose row and idempotency key must commit
together: on PostgreSQL both INSERTs go in one statement (data-modifying `WITH` clauses, which
PostgreSQL runs exactly once each, to completion, whether or not the main query reads them), so
the pair costs one round trip and no BEGIN/COMMIT; on other databases the INSERTs run in one
transaction. Either way all rows are written or none.

`update_rows`: `bulk_update` for many rows of one model, the new values joined from a `VALUES`
list (`UPDATE … FROM (VALUES …) AS new`, PostgreSQL and SQLite 3.33+) instead of a
`CASE` per field and row, which Django builds and compiles row by row: recomputing the due
moments of thousands of dossiers spent more time there than anywhere else.

The SQL is written from the models' fields (table, columns, placeholders) and the values are
prepared by the fields themselves (`pre_save`, `get_db_prep_save`), as the ORM does: defaults,
`auto_now_add`, JSON and UUID adaptation are the ORM's. No signals are sent (as with the ORM's
bulk methods).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model


@functools.cache
def _insert(alias: str, model: type[Model]) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """`INSERT … RETURNING pk` of one row of `model`, and the fields whose values go in: every
    concrete column but an automatic primary key (the database numbers it). Written once per model."""
    quote = connections[alias].ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    fields = tuple(
        f for f in model._meta.local_concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))
    )
    sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(  # noqa: S608 (the models' quoted names)
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join("%s" for _ in fields),
        quote(pk.column),
    )
    return sql, fields


def insert_together(rows: Sequence[Model], *, using: str | None = None) -> None:
    """Insert `rows` (new instances, of any models, not referring to each other) all or none, and set
    their primary keys. Raises what the database raises (an IntegrityError on a unique constraint:
    then nothing was written)."""
    if not rows:
        return
    for row in rows:
        if row.pk is not None or not row._state.adding:
            raise ValueError(f"{row!r} is not a new row")
    alias = using or router.db_for_write(type(rows[0]))
    connection = connections[alias]
    inserts = [_insert(alias, type(row)) for row in rows]
    values = [
        [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
        for row, (_sql, fields) in zip(rows, inserts, strict=True)
    ]
    if connection.vendor == "postgresql":
        # One statement: its own transaction in autocommit; inside the caller's transaction, in a
        # savepoint, so that a refused insert leaves the caller's transaction usable.
        names = [f"row{i}" for i in range(len(rows))]
        sql = "WITH {} SELECT {}".format(
            ", ".join(f"{name} AS ({insert})" for name, (insert, _fields) in zip(names, inserts, strict=True)),
            ", ".join(f"(SELECT * FROM {name})" for name in names),  # noqa: S608 (our own names)
        )
        savepoint = transaction.atomic(using=alias) if connection.in_atomic_block else nullcontext()
        with savepoint, connection.cursor() as cursor:
            cursor.execute(sql, [value for row_values in values for value in row_values])
            keys = cursor.fetchone()
    else:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            found = []
            for (insert, _fields), row_values in zip(inserts, values, strict=True):
                cursor.execute(insert, row_values)
                returned = cursor.fetchone()
                assert returned is not None
                found.append(returned[0])
            keys = tuple(found)
    assert keys is not None
    for row, key in zip(rows, keys, strict=True):
        row.pk = key
        row._state.adding = False
        row._state.db = alias


def _cast_type(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    cast: str | None = field.cast_db_type(connection)  # type: ignore[attr-defined]
    if not cast:
        raise ValueError(f"{field} has no database type to cast to")
    return cast


def update_rows(rows: Sequence[Model], fields: Sequence[str], *, batch_size: int = 500) -> int:
    """Set `fields` of each of `rows` (saved instances of one model) to the instance's values, as
    `Model.objects.bulk_update(rows, fields)` does, in one statement per `batch_size` rows. Returns
    the number of rows updated."""
    if not rows:
        return 0
    model = type(rows[0])
    if any(type(row) is not model for row in rows):
        raise ValueError("update_rows takes rows of one model")
    pk = model._meta.pk
    assert pk is not None
    targets: list[Field[Any, Any]] = []
    for name in fields:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or field not in model._meta.concrete_fields or field.primary_key:
            raise ValueError(f"update_rows sets concrete fields other than the primary key, not {name!r}")
        targets.append(field)
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = [pk, *targets]
    postgres = connection.vendor == "postgresql"
    if postgres:
        # VALUES gives its columns the types of its first row: every value is cast to its column's.
        placeholder = "(" + ", ".join(f"CAST(%s AS {_cast_type(f, connection)})" for f in columns) + ")"
        names = ["pk", *(f"f{i}" for i in range(len(targets)))]
        alias_sql = "new ({})".format(", ".join(names))
    else:
        # SQLite names the columns of VALUES column1, column2, … and takes no list of names.
        placeholder = "(" + ", ".join("%s" for _ in columns) + ")"
        names = [f"column{i + 1}" for i in range(len(columns))]
        alias_sql = "new"
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{quote(f.column)} = new.{name}" for f, name in zip(targets, names[1:], strict=True))
    updated = 0
    # The statement starts with UPDATE (not WITH), so that every driver counts the rows it changed.
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            sql = "UPDATE {} SET {} FROM (VALUES {}) AS {} WHERE {}.{} = new.{}".format(  # noqa: S608 (quoted names)
                table,
                assignments,
                ", ".join(placeholder for _ in batch),
                alias_sql,
                table,
                quote(pk.column),
                names[0],
            )
            params = [
                value
                for row in batch
                for value in (
                    pk.get_db_prep_value(row.pk, connection),
                    *(f.get_db_prep_save(getattr(row, f.attname), connection) for f in targets),
                )
            ]
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated
