"""Search of the procedure catalogue: without diacritics, tolerant of typos, ranked.

`procedure_search(q=..., field=..., level=..., agency=..., online_level=..., channel=...)` returns
the procedures in force today that match, best first. The same rules hold on SQLite and on
PostgreSQL, so both return the same list; the databases differ only in how they find candidates
quickly.

The rules:

1. The query is folded in Python by `core.text.fold`, the function that also filled the stored
   columns, then split into words: "Đăng  ký, khai-sinh" gives "dang ky khai sinh". PostgreSQL's
   `unaccent` is not used, nor an `f_unaccent` index: its rules differ from `fold` in places (it
   expands ligatures such as "æ", which NFD leaves alone), and one folding function is what makes
   both databases return the same results.
2. An exact match has every query word at the start of a word of `search_words` (code, name,
   fields, implementing agency, result codes). The last word may be unfinished, so a search box
   can search while the user types: "dang ky khai si" already finds "Đăng ký khai sinh".
3. Exact matches are ranked by tier (`Tier`): the code itself, a code prefix, the name equal to the
   phrase, the name starting with it, the phrase at a word start of the name, all words in the
   name, all words in the search text.
4. Typo matches come last and only when the exact matches do not fill `TYPO_TIER_BELOW` results:
   when the words matched little, a typo is the likely reason; when they matched a lot, near
   misses add only noise. A typo match is a name whose pg_trgm `strict_word_similarity` to the
   query is at least `TYPO_THRESHOLD` ("dang ki khai sin" against "dang ky khai sinh": 0.65). At
   most `TYPO_LIMIT` are kept, the most similar first.
5. Within a tier: the shorter name first (the query covers more of it; a leading "Thủ tục" is
   ignored), then the more popular (dossiers received in the last year), then by code.

How each database finds the candidates:

- PostgreSQL: pg_trgm GIN indexes on `search_words` (serving the `LIKE '% word%'` patterns of
  rule 2) and on `name_words` (serving the `%>>` operator of rule 4), created by migration 0003;
  pg_trgm computes the similarity.
- SQLite: an FTS5 table with the trigram tokenizer holds the same two columns, so that the words of
  rule 2 and the trigrams of rule 4 are index lookups. The similarity is computed by
  `strict_word_similarity` below, a port of pg_trgm's C code that gave PostgreSQL 15's value on
  all of 20,000 varied pairs (test_search.py compares a sample on every PostgreSQL run). SQLite
  scores at most `SQLITE_TYPO_BUDGET` names per query, those sharing the most trigrams with it;
  only a typo in a very common phrase reaches that budget, and then SQLite may return fewer typo
  matches than PostgreSQL.
- SQLite without FTS5 or its trigram tokenizer (before 3.34): the same conditions are evaluated on
  the procedure table; slower, same results.

`search_index_update(procedure)` keeps the search columns (and the FTS row) in step with the
procedure's name and search text; catalog.services calls it whenever it changes them.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from motcua.catalog import selectors
from motcua.catalog.models import Channel, Level, OnlineLevel, Procedure, ProcedureVersion
from motcua.core import clock
from motcua.core.errors import InvalidInput
from motcua.core.text import fold

# Typo matches use pg_trgm's strict_word_similarity (the query against a run of whole words of the
# name) at 0.6, not the laxer word_similarity: it keeps "dang ki khai sin" for "đăng ký khai sinh"
# (0.65) and "thuong chu" for "thường trú" (0.64) but drops "khai tử" for "khai sinh" (0.50) and
# "hưởng trợ" for "thường trú" (0.43), which word_similarity lets through at 0.60.
TYPO_THRESHOLD = 0.6
# One page of the API and of the portal: typo matches are looked for when exact ones fill less.
TYPO_TIER_BELOW = 20
# A fallback for mistyped words, not a second search: the 50 closest names are plenty.
TYPO_LIMIT = 50
# Python scores about 20,000 names a second: 100 costs SQLite about 5 ms per typo query.
SQLITE_TYPO_BUDGET = 100
# Words beyond this are ignored; 200 characters of Vietnamese (the forms' limit) is about 45 words.
MAX_QUERY_WORDS = 16

FTS_TABLE = "catalog_procedure_fts"
# Rows of the FTS table matching one FTS5 query string, which is always passed as a parameter.
_FTS_MATCH = "SELECT rowid FROM catalog_procedure_fts WHERE catalog_procedure_fts MATCH %s"

_WORD = re.compile(r"[^\W_]+")
# National codes (1.001193) and local ones (1.000948.H38): a digit first, then digits, letters, dots.
_CODE = re.compile(r"\d[0-9A-Za-z.]*")


class Tier(IntEnum):
    """How well a procedure matches; lower is better."""

    CODE = 0
    CODE_PREFIX = 1
    NAME_EQUALS = 2
    NAME_STARTS = 3
    NAME_PHRASE = 4
    NAME_WORDS = 5
    TEXT_WORDS = 6
    TYPO = 7


def words(text: str) -> list[str]:
    """The folded words of `text`: `words("Đăng ký (lại)") == ["dang", "ky", "lai"]`."""
    return _WORD.findall(fold(text))


def words_column(text: str) -> str:
    """The stored form of a search column: folded words between single spaces, padded with one."""
    found = words(text)
    return f" {' '.join(found)} " if found else ""


def ranking_name(name: str) -> str:
    """The name as ranking compares it: without the generic label "Thủ tục" that a third of the
    published names start with ("Thủ tục đăng ký khai sinh" ranks as "đăng ký khai sinh")."""
    folded = fold(name)
    return name.split(None, 2)[2] if folded.startswith("thu tuc ") and len(name.split(None, 2)) == 3 else name


def today() -> date:
    """The day search considers: today in Vietnam (core.clock), not the UTC date."""
    return clock.today()


# -- pg_trgm's strict_word_similarity, in Python ------------------------------------------------------------


@lru_cache(maxsize=65536)
def _word_trigrams(word: str) -> tuple[str, ...]:
    # pg_trgm pads each word with two spaces before and one after ("  ky " gives "  k", " ky", "ky ").
    padded = f"  {word} "
    return tuple(padded[i : i + 3] for i in range(len(padded) - 2))


@lru_cache(maxsize=256)
def query_trigrams(text: str) -> frozenset[str]:
    """The set of trigrams pg_trgm makes of `text` (cached: one query is compared with many names)."""
    return frozenset(trigram for word in _WORD.findall(text.lower()) for trigram in _word_trigrams(word))


def strict_word_similarity(query: str, text: str) -> float:
    """pg_trgm's `strict_word_similarity(query, text)`: how well `query` matches a run of whole words of `text`.

    A port of calc_word_similarity/iterate_word_similarity with WORD_SIMILARITY_STRICT
    (contrib/pg_trgm/trgm_op.c, PostgreSQL 15). The algorithm is greedy, so it does not always
    find the best run; it is ported as it is, because what matters is PostgreSQL's number.
    """
    found = query_trigrams(query)
    ulen1 = len(found)
    words_of_text = _WORD.findall(text.lower())
    if not ulen1 or not words_of_text:
        return 0.0
    # The text's trigrams in order, with repeats (generate_trgm_only), where words start and end.
    sequence: list[str] = []
    starts_word: list[bool] = []
    word_ends: list[int] = []
    for word in words_of_text:
        trigrams = _word_trigrams(word)
        starts_word.append(True)
        starts_word.extend([False] * (len(trigrams) - 1))
        sequence.extend(trigrams)
        word_ends.append(len(sequence) - 1)
    hit = [trigram in found for trigram in sequence]
    last_position: dict[str, int] = {}
    ulen2 = count = 0
    lower = 0
    best = 0.0
    position = 0
    for upper in word_ends:
        for i in range(position, upper + 1):
            if sequence[i] not in last_position:
                ulen2 += 1
                if hit[i]:
                    count += 1
            last_position[sequence[i]] = i
        position = upper + 1
        # The run [lower, upper] ends with a word: score it, and the runs starting at later words.
        current = count / (ulen1 + ulen2 - count)
        tmp_count, tmp_ulen2, previous_lower = count, ulen2, lower
        for tmp_lower in range(lower, upper + 1):
            if starts_word[tmp_lower]:
                candidate = tmp_count / (ulen1 + tmp_ulen2 - tmp_count)
                if candidate > current:
                    current, ulen2, lower, count = candidate, tmp_ulen2, tmp_lower, tmp_count
            if last_position[sequence[tmp_lower]] == tmp_lower:
                tmp_ulen2 -= 1
                if hit[tmp_lower]:
                    tmp_count -= 1
        best = max(best, current)
        for tmp_lower in range(previous_lower, lower):
            dropped = sequence[tmp_lower]
            if last_position.get(dropped, -1) == tmp_lower:
                del last_position[dropped]
    return best


# -- the query -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str
    words: tuple[str, ...]
    code: str | None  # the text in capitals when it looks like a procedure code

    @property
    def phrase(self) -> str:
        return " ".join(self.words)


def parse_query(q: str) -> ParsedQuery:
    text = q.strip()
    found = tuple(words(text)[:MAX_QUERY_WORDS])
    # Codes are written in capitals in the national catalogue (1.000948.H38).
    code = text.upper() if _CODE.fullmatch(text) else None
    return ParsedQuery(text, found, code)


def _starts_words(column: str, query_words: Iterable[str]) -> Q:
    """Every word starts a word of `column` (stored padded with spaces, see words_column)."""
    condition = Q()
    for word in query_words:
        condition &= Q(**{f"{column}__contains": f" {word}"})
    return condition


def _tier(query: ParsedQuery) -> Case:
    phrase = query.phrase
    whens: list[When] = []
    if query.code:
        whens += [
            When(code__iexact=query.code, then=Value(Tier.CODE.value)),
            When(code__istartswith=query.code, then=Value(Tier.CODE_PREFIX.value)),
        ]
    whens += [
        When(name_words=f" {phrase} ", then=Value(Tier.NAME_EQUALS.value)),
        When(name_words__startswith=f" {phrase}", then=Value(Tier.NAME_STARTS.value)),
        When(name_words__contains=f" {phrase}", then=Value(Tier.NAME_PHRASE.value)),
        When(_starts_words("name_words", query.words), then=Value(Tier.NAME_WORDS.value)),
        When(_starts_words("search_words", query.words), then=Value(Tier.TEXT_WORDS.value)),
    ]
    return Case(*whens, default=Value(Tier.TYPO.value), output_field=IntegerField())


# -- database-specific pieces ----------------------------------------------------------------------


class StrictWordSimilarity(Func):
    """pg_trgm's strict_word_similarity(query, column) (PostgreSQL only)."""

    function = "strict_word_similarity"
    output_field = FloatField()


class _StrictWordSimilarTo(Func):
    """`column %>> query`: strict_word_similarity(query, column) reaches the session's
    `pg_trgm.strict_word_similarity_threshold`; served by the GIN index."""

    template = "%(expressions)s"
    arg_joiner = " %%>> "
    output_field = BooleanField()


def _connection() -> BaseDatabaseWrapper:
    return connections[Procedure.objects.db or DEFAULT_DB_ALIAS]


def _fts_ready(connection: BaseDatabaseWrapper) -> bool:
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
        return cursor.fetchone() is not None


def fts5_trigram_supported() -> bool:
    """Whether this Python's SQLite has FTS5 with the trigram tokenizer (SQLite ≥ 3.34)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


def _fts_exact_candidates(query: ParsedQuery) -> Q:
    """Procedures whose FTS row contains each word at a word start: a superset of rule 2's matches.

    Only MATCH is used, never LIKE on the FTS table: with SQLite 3.40, two LIKE constraints on a
    trigram table, one of them shorter than three characters, crash the process (reproduced here).
    Words of one letter (" y" of "y te") are too short for a trigram and left to the LIKE on the
    procedure table.
    """
    phrases = [f'search_words : " {word}"' for word in query.words if len(word) >= 2]
    if not phrases:
        return Q()
    return Q(pk__in=RawSQL(_FTS_MATCH, [" AND ".join(phrases)]))  # noqa: S611 (the query is a parameter)


def _typo_scores_sqlite(base: QuerySet[Procedure], query: ParsedQuery, *, fts: bool) -> list[tuple[int, float]]:
    """(id, similarity) of the typo matches among `base`, best first, at most TYPO_LIMIT.

    A name reaches the threshold only if it holds that share of the query's trigrams (the
    similarity cannot exceed it). Names are counted, the SQLITE_TYPO_BUDGET sharing the most are
    scored: past the budget a name could still reach the threshold, hence the module's caveat.
    """
    trigrams = sorted(query_trigrams(query.phrase))
    # The stored text has one space between words, so a trigram "  k" (two spaces) never occurs in
    # it: assume a name has all of those, and count the others as substrings of `name_words`.
    representable = [t for t in trigrams if not t.startswith("  ")]
    needed = max(1, math.ceil(TYPO_THRESHOLD * len(trigrams) - 1e-9) - (len(trigrams) - len(representable)))
    rows: list[tuple[int, str, int, str]] = []
    if fts:
        union = " UNION ALL ".join([_FTS_MATCH] * len(representable))
        sql = "SELECT rowid, count(*) FROM (" + union + ") GROUP BY rowid HAVING count(*) >= %s"  # noqa: S608
        with _connection().cursor() as cursor:
            cursor.execute(sql, [*(f'name_words : "{t}"' for t in representable), needed])
            shared = dict(cursor.fetchall())
        # The filters (in force, field, ...) apply to the most promising first, a chunk at a time;
        # a chunk ends between two counts, so that popularity decides ties as it does without FTS.
        ranked = sorted(shared, key=shared.__getitem__, reverse=True)
        start = 0
        while start < len(ranked) and len(rows) < SQLITE_TYPO_BUDGET:
            end = min(start + 2 * SQLITE_TYPO_BUDGET, len(ranked))
            while end < len(ranked) and shared[ranked[end]] == shared[ranked[end - 1]]:
                end += 1
            rows += base.filter(pk__in=ranked[start:end]).values_list("pk", "name_words", "popularity", "code")
            start = end
    else:
        shared = {}
        for row in base.values_list("pk", "name_words", "popularity", "code"):
            count = sum(1 for t in representable if t in row[1])
            if count >= needed:
                shared[row[0]] = count
                rows.append(row)
    rows.sort(key=lambda row: (-shared[row[0]], -row[2], row[3]))
    scored = []
    for pk, name_words, popularity, code in rows[:SQLITE_TYPO_BUDGET]:
        similarity = strict_word_similarity(query.phrase, name_words)
        if similarity >= TYPO_THRESHOLD:
            scored.append((-similarity, -popularity, code, pk))
    scored.sort()
    return [(pk, -negative_similarity) for negative_similarity, _, _, pk in scored[:TYPO_LIMIT]]


# The settings the typo query of PostgreSQL runs with, and why:
_PG_TYPO_SETTINGS = {
    # `%>>` compares with this setting (0.5 by default); at ours the GIN index is also more selective.
    "pg_trgm.strict_word_similarity_threshold": str(TYPO_THRESHOLD),
    # pg_trgm declares its operators as cheap as "=", so the planner prefers reading every name
    # (80 ms for 10,000) to the GIN index (10 ms).
    "enable_seqscan": "off",
}


def _typo_scores_postgresql(base: QuerySet[Procedure], query: ParsedQuery) -> list[tuple[int, float]]:
    """(id, similarity) of the typo matches among `base`, best first, at most TYPO_LIMIT."""
    alias = base.db
    similarity = StrictWordSimilarity(Value(query.phrase), F("name_words"))
    matches = (
        base.filter(_StrictWordSimilarTo(F("name_words"), Value(query.phrase)))
        .annotate(similarity=similarity)
        .order_by("-similarity", "-popularity", "code")
        .values_list("pk", "similarity")[:TYPO_LIMIT]
    )
    # For this query only: local to a transaction (a pooled connection is left as it was), and put
    # back afterwards, so that a caller's own transaction (ATOMIC_REQUESTS) goes on with its
    # settings. On an error, rolling the savepoint back undoes them.
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        previous = {}
        for name, value in _PG_TYPO_SETTINGS.items():
            cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
            previous[name] = cursor.fetchone()[0]
        scores = list(matches)
        for name, value in previous.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    return scores


# -- filters ---------------------------------------------------------------------------------------


def _check_choice(value: str, choices: Sequence[str], parameter: str) -> None:
    if value not in choices:
        raise InvalidInput(
            _("Unknown value “%(value)s” for %(parameter)s: use one of %(choices)s.")
            % {"value": value, "parameter": parameter, "choices": ", ".join(choices)},
            field=parameter,
        )


def procedures_in_force(
    *,
    day: date,
    field: str | None = None,
    level: str | None = None,
    agency: str | None = None,
    online_level: str | None = None,
    channel: str | None = None,
    searched: bool = False,
) -> QuerySet[Procedure]:
    """Procedures with a version in force on `day` that has these properties, unordered.

    `field` is a field's id, code or name (without diacritics or case); `agency` matches the start of
    words of the implementing or competent agency ("cong an" finds "Công an cấp xã"). Raises
    InvalidInput naming the parameter for a value that does not exist.

    `searched`: the caller narrows the result down with a search. The versions are then checked
    per remaining procedure (EXISTS) rather than listed once for all (IN): with 10,000
    procedures on SQLite, 1 ms instead of 5 with a search, 14 ms instead of 4 without.
    """
    versions = selectors.versions_in_force_on(day=day)
    if field:
        found = selectors.field_find(value=field)
        if found is None:
            raise InvalidInput(_("There is no field “%(value)s”.") % {"value": field}, field="field")
        versions = versions.filter(fields=found)
    if level:
        _check_choice(level, Level.values, "level")
        # `levels` is a JSON list of Level codes. JSON containment does not exist on SQLite, and the
        # quoted code cannot occur inside another one, so matching it in the JSON text is exact.
        versions = versions.filter(levels__icontains=f'"{level}"')
    if online_level:
        _check_choice(online_level, OnlineLevel.values, "online_level")
        versions = versions.filter(online_level=online_level)
    if channel:
        _check_choice(channel, Channel.values, "channel")
        versions = versions.filter(channels__channel=channel)
    if searched:
        procedures = Procedure.objects.filter(Exists(versions.filter(procedure=OuterRef("pk"))))
    else:
        procedures = Procedure.objects.filter(pk__in=versions.values("procedure_id"))
    agency_words = words(agency or "")
    if agency_words:
        procedures = procedures.filter(agency_words__contains=f" {' '.join(agency_words)}")
    return procedures


# -- the search ------------------------------------------------------------------------------------


def procedure_search(
    *,
    q: str = "",
    field: str | None = None,
    level: str | None = None,
    agency: str | None = None,
    online_level: str | None = None,
    channel: str | None = None,
) -> QuerySet[Procedure]:
    """Procedures in force today matching `q` and the filters, best first (see the module's rules).

    Without `q`, all procedures that pass the filters, the most popular first. Empty strings mean
    "no filter". Raises InvalidInput naming the parameter for an unknown field, level, online
    level or channel.
    """
    query = parse_query(q)
    base = procedures_in_force(
        day=today(),
        field=field,
        level=level,
        agency=agency,
        online_level=online_level,
        channel=channel,
        searched=bool(query.words),
    )
    if not query.words:
        return _listed(base.order_by("-popularity", "code"))

    connection = _connection()
    fts = _fts_ready(connection)
    exact = _starts_words("search_words", query.words)
    exact_where = (_fts_exact_candidates(query) & exact) if fts else exact
    tier = _tier(query)
    # Counting stops at TYPO_TIER_BELOW: a common query does not pay for a full count here.
    if base.filter(exact_where).order_by()[:TYPO_TIER_BELOW].count() >= TYPO_TIER_BELOW:
        return _listed(base.filter(exact_where).alias(tier=tier, name_length=Length("name_words")).order_by(*_RANKING))

    # The typo matches are found once, here, rather than inside the count and the page queries.
    if connection.vendor == "postgresql":
        scores = _typo_scores_postgresql(base, query)
    else:
        scores = _typo_scores_sqlite(base, query, fts=fts)
    by_similarity: dict[float, list[int]] = defaultdict(list)
    for pk, similarity in scores:
        by_similarity[similarity].append(pk)
    score = Case(
        When(exact, then=Value(0.0)),
        *(When(pk__in=pks, then=Value(similarity)) for similarity, pks in by_similarity.items()),
        default=Value(0.0),
        output_field=FloatField(),
    )
    typo = Q(pk__in=[pk for pk, _ in scores])
    return _listed(
        base.filter(exact_where | typo)
        .alias(tier=tier, typo_score=score, name_length=Length("name_words"))
        .order_by("tier", "name_length", "-typo_score", *_RANKING[2:])
    )


# Within a tier the shorter name is the closer match: the query covers more of it ("khai sinh"
# covers more of "đăng ký khai sinh" than of "đăng ký khai sinh có yếu tố nước ngoài"); then the
# more popular, then the code, so that the order is total and pages never overlap.
_RANKING = ("tier", "name_length", "-popularity", "code")


def _listed(results: QuerySet[Procedure]) -> QuerySet[Procedure]:
    # Lists show the code and name; the search columns are long and needed by no caller.
    return results.defer("search_text", "name_words", "search_words", "agency_words")


def procedure_search_tiers(results: QuerySet[Procedure], q: str) -> dict[str, Tier]:
    """Why each result matched (code → Tier), for tests and diagnostics."""
    query = parse_query(q)
    if not query.words:
        return {}
    return {code: Tier(tier) for code, tier in results.annotate(_tier=_tier(query)).values_list("code", "_tier")}


# -- keeping the index up to date ------------------------------------------------------------------


def _columns(procedure: Procedure, version: ProcedureVersion | None) -> dict[str, str]:
    agencies = [version.implementing_agency, version.competent_agency] if version is not None else []
    return {
        "name_words": words_column(ranking_name(procedure.name)),
        "search_words": words_column(procedure.search_text),
        # Usually the same agency twice: index it once.
        "agency_words": words_column(" ".join(dict.fromkeys(a for a in agencies if a))),
    }


def _fts_write(connection: BaseDatabaseWrapper, rows: Sequence[tuple[int, str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany("DELETE FROM catalog_procedure_fts WHERE rowid = %s", [(pk,) for pk, _, _ in rows])
        cursor.executemany(
            "INSERT INTO catalog_procedure_fts (rowid, name_words, search_words) VALUES (%s, %s, %s)", list(rows)
        )


def search_index_update(procedure: Procedure) -> None:
    """Refresh the search columns of `procedure` from its name and search text (set by the caller)
    and the agencies of the same version catalog.services shows: the published one, else the latest.

    catalog.services calls this from `_refresh_procedure`, inside its transaction. On SQLite the
    FTS row is rewritten too: a separate table that no trigger keeps in step, because Django
    rebuilds a SQLite table to alter it and would drop the triggers with it.
    """
    version = (
        procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).first()
        or procedure.versions.order_by("-number").first()
    )
    columns = _columns(procedure, version)
    for name, value in columns.items():
        setattr(procedure, name, value)
    procedure.save(update_fields=list(columns))
    connection = _connection()
    if _fts_ready(connection):
        _fts_write(connection, [(procedure.pk, columns["name_words"], columns["search_words"])])


def search_index_rebuild(*, batch_size: int = 1000) -> int:
    """Recompute the search columns and the FTS table of every procedure; returns how many.

    For bulk loads that bypass catalog.services (the benchmark) and after restoring a SQLite file
    whose FTS table was not copied. `name` and `search_text` must already be right.
    """
    chosen: dict[int, ProcedureVersion] = {}
    # Published first, then the latest by number: the same choice as search_index_update.
    ordered = ProcedureVersion.objects.only(
        "procedure_id", "status", "number", "implementing_agency", "competent_agency"
    ).order_by("procedure_id", "-number")
    for version in ordered.iterator(chunk_size=batch_size):
        known = chosen.get(version.procedure_id)
        if known is None or (
            version.status == ProcedureVersion.Status.PUBLISHED and known.status != ProcedureVersion.Status.PUBLISHED
        ):
            chosen[version.procedure_id] = version
    procedures = list(Procedure.objects.only("id", "name", "search_text"))
    for procedure in procedures:
        for name, value in _columns(procedure, chosen.get(procedure.pk)).items():
            setattr(procedure, name, value)
    Procedure.objects.bulk_update(procedures, ["name_words", "search_words", "agency_words"], batch_size=batch_size)
    connection = _connection()
    if _fts_ready(connection):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM catalog_procedure_fts")
        for start in range(0, len(procedures), batch_size):
            chunk = procedures[start : start + batch_size]
            _fts_write(connection, [(p.pk, p.name_words, p.search_words) for p in chunk])
    return len(procedures)


def search_engine() -> str:
    """Which strategy answers on the current database, for the benchmark and diagnostics."""
    connection = _connection()
    if connection.vendor == "postgresql":
        return "postgresql: pg_trgm GIN"
    return "sqlite: FTS5 trigram" if _fts_ready(connection) else "sqlite: scan (no FTS5 trigram)"
