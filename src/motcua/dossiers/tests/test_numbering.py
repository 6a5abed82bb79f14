"""Dossier codes: formats, the per-agency per-day sequence, parsing, and concurrency on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation

from motcua.dossiers.numbering import (
    DossierCodeErrorCode,
    DossierCodeSequence,
    InvalidDossierCode,
    ParsedDossierCode,
    Tt01Of2018Format,
    Tt03Of2025SampleFormat,
    dossier_code_format_get,
    dossier_code_generate,
    dossier_code_parse,
    next_value,
    result_code,
)

G18 = "000.00.04.G18"
G09 = "000.00.00.G09"
DAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- Formats (no database) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agency_code", "received_on", "sequence", "expected"),
    [
        (G18, DAY, 1, "000.00.04.G18-261128-0001"),
        (G09, date(2027, 1, 2), 42, "000.00.00.G09-270102-0042"),
        (G18, DAY, 9999, "000.00.04.G18-261128-9999"),
        # The 10,000th dossier of a day widens to 5 digits instead of wrapping to 0001.
        (G18, DAY, 10000, "000.00.04.G18-261128-10000"),
        (G18, DAY, 123456, "000.00.04.G18-261128-123456"),
    ],
)
def test_tt01_2018_writes_agency_code_date_and_four_digit_sequence(
    agency_code: str, received_on: date, sequence: int, expected: str
) -> None:
    assert Tt01Of2018Format().render(agency_code=agency_code, received_on=received_on, sequence=sequence) == expected


@pytest.mark.parametrize(
    ("agency_code", "expected"),
    [
        ("000.00.20.G09", "G09.20-20260609-0092637"),  # the 2026 sync sample (domain §2.5)
        ("000.00.00.G09", "G09-20260609-0092637"),
        ("000.01.04.G18", "G18.04.01-20260609-0092637"),
        ("001.02.04.G18", "G18.04.02.001-20260609-0092637"),
        ("000.05.00.H38", "H38.00.05-20260609-0092637"),
    ],
)
def test_tt03_2025_sample_writes_levels_top_down_with_eight_digit_date(agency_code: str, expected: str) -> None:
    code_format = Tt03Of2025SampleFormat()
    assert code_format.render(agency_code=agency_code, received_on=date(2026, 6, 9), sequence=92637) == expected
    parsed = code_format.parse(expected)
    assert parsed is not None
    assert (parsed.agency_code, parsed.received_on, parsed.sequence) == (agency_code, date(2026, 6, 9), 92637)


def test_tt03_2025_sample_widens_past_seven_digits() -> None:
    code = Tt03Of2025SampleFormat().render(agency_code=G09, received_on=DAY, sequence=10_000_000)
    assert code == "G09-20261128-10000000"
    assert dossier_code_parse(code).sequence == 10_000_000


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("000.00.04.G18-261128-0001", ParsedDossierCode(G18, DAY, 1, "tt01_2018", "000.00.04.G18-261128-0001")),
        ("000.00.04.G18-261128-10000", ParsedDossierCode(G18, DAY, 10000, "tt01_2018", "000.00.04.G18-261128-10000")),
        (
            "000.00.04.G18-000229-0007",
            ParsedDossierCode(G18, date(2000, 2, 29), 7, "tt01_2018", "000.00.04.G18-000229-0007"),
        ),
        # Typed by a citizen: surrounding spaces and lower case are accepted; `code` is canonical.
        ("  000.00.04.g18-261128-0001 ", ParsedDossierCode(G18, DAY, 1, "tt01_2018", "000.00.04.G18-261128-0001")),
        (
            "G09.20-20260609-0092637",
            ParsedDossierCode("000.00.20.G09", date(2026, 6, 9), 92637, "tt03_2025_sample", "G09.20-20260609-0092637"),
        ),
    ],
)
def test_parse_decodes_codes_of_every_registered_format(code: str, expected: ParsedDossierCode) -> None:
    assert dossier_code_parse(code) == expected


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("", DossierCodeErrorCode.FORMAT),
        ("HS-2026-000123", DossierCodeErrorCode.FORMAT),
        ("000.00.04.G18-261128", DossierCodeErrorCode.FORMAT),
        ("000.00.04.G18-261128-001", DossierCodeErrorCode.FORMAT),  # 3-digit sequence
        ("000.00.04.G18-20261128-0001", DossierCodeErrorCode.FORMAT),  # 8-digit date with a 2018 agency code
        ("00.00.04.G18-261128-0001", DossierCodeErrorCode.FORMAT),  # agency code too short
        ("000.00.04.18G-261128-0001", DossierCodeErrorCode.FORMAT),
        ("000.00.04.G18 261128 0001", DossierCodeErrorCode.FORMAT),
        ("000.00.04.G18-261128-0001-KQ1", DossierCodeErrorCode.FORMAT),  # a result code, not a dossier code
        ("000.00.04.G18-26\n1128-0001", DossierCodeErrorCode.FORMAT),
        ("٠٠٠.٠٠.٠٤.G18-261128-0001", DossierCodeErrorCode.FORMAT),  # other scripts' digits in the agency code
        ("000.00.04.G18-261128-١٢٣٤", DossierCodeErrorCode.FORMAT),  # other scripts' digits
        ("G09.00-20260609-0092637", DossierCodeErrorCode.FORMAT),  # trailing zero level: never written
        ("000.00.04.G18-261131-0001", DossierCodeErrorCode.DATE),  # 31 November
        ("000.00.04.G18-270229-0001", DossierCodeErrorCode.DATE),  # 2027 is not a leap year
        ("000.00.04.G18-261300-0001", DossierCodeErrorCode.DATE),
        ("G09.20-20261232-0092637", DossierCodeErrorCode.DATE),
        ("000.00.04.G18-261128-0000", DossierCodeErrorCode.SEQUENCE),  # numbers start at 1
        ("000.00.04.G18-261128-00001", DossierCodeErrorCode.SEQUENCE),  # a second spelling of 0001
        ("G09.20-20260609-0000000", DossierCodeErrorCode.SEQUENCE),
    ],
)
def test_parse_refuses_malformed_codes_with_a_stable_code(code: str, error_code: DossierCodeErrorCode) -> None:
    with pytest.raises(InvalidDossierCode) as caught:
        dossier_code_parse(code)
    assert caught.value.code == error_code.value
    assert caught.value.status == 400


def test_parse_error_says_what_a_dossier_code_looks_like() -> None:
    with pytest.raises(InvalidDossierCode) as caught:
        dossier_code_parse(" HS-123 ")
    assert str(caught.value.message) == (
        "“HS-123” is not a dossier code. A dossier code is the agency code, the date of receipt and a "
        "sequence number, for example 000.00.04.G18-261128-0001."
    )
    assert caught.value.params == {"code": "HS-123", "example": "000.00.04.G18-261128-0001"}


def test_parse_error_message_is_translated_lazily() -> None:
    with pytest.raises(InvalidDossierCode) as caught:
        dossier_code_parse("000.00.04.G18-261131-0001")
    message = caught.value.message
    assert str(message) == "The date of receipt in the dossier code “000.00.04.G18-261131-0001” is not a valid date."
    with translation.override("vi"):
        # Evaluated in the language active when shown (the Vietnamese catalogue may not have it yet).
        assert "000.00.04.G18-261131-0001" in str(message)


def test_result_code_appends_kq_and_the_ordinal() -> None:
    assert result_code(dossier_code="000.00.04.G18-261128-0001", n=1) == "000.00.04.G18-261128-0001-KQ1"
    assert result_code(dossier_code="G09.20-20260609-0092637", n=12) == "G09.20-20260609-0092637-KQ12"


def test_result_code_refuses_ordinal_zero_and_malformed_dossier_codes() -> None:
    with pytest.raises(ValueError, match="from 1"):
        result_code(dossier_code="000.00.04.G18-261128-0001", n=0)
    with pytest.raises(InvalidDossierCode):
        result_code(dossier_code="000.00.04.G18-261128", n=1)


def test_unknown_format_setting_is_a_configuration_error() -> None:
    with override_settings(DOSSIER_CODE_FORMAT="tt99"), pytest.raises(ImproperlyConfigured, match="tt01_2018"):
        dossier_code_format_get()


def test_default_format_is_tt01_2018() -> None:
    assert dossier_code_format_get().name == "tt01_2018"


# --- The sequence -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sequence_counts_per_agency_and_restarts_each_day() -> None:
    codes = [dossier_code_generate(agency_code=G18, received_on=DAY) for _ in range(3)]
    assert codes == ["000.00.04.G18-261128-0001", "000.00.04.G18-261128-0002", "000.00.04.G18-261128-0003"]
    # Another agency, same day: its own sequence.
    assert dossier_code_generate(agency_code=G09, received_on=DAY) == "000.00.00.G09-261128-0001"
    # The next day starts again at 1; the day before is untouched.
    assert dossier_code_generate(agency_code=G18, received_on=date(2026, 11, 29)) == "000.00.04.G18-261129-0001"
    assert dossier_code_generate(agency_code=G18, received_on=DAY) == "000.00.04.G18-261128-0004"
    rows = sorted(DossierCodeSequence.objects.values_list("scope", "day", "last_value"))
    assert rows == [(G09, DAY, 1), (G18, DAY, 4), (G18, date(2026, 11, 29), 1)]


@pytest.mark.django_db
def test_generated_codes_parse_back() -> None:
    code = dossier_code_generate(agency_code=G18, received_on=DAY)
    assert dossier_code_parse(code) == ParsedDossierCode(G18, DAY, 1, "tt01_2018", code)


@pytest.mark.django_db
def test_ten_thousandth_dossier_of_a_day_widens_instead_of_wrapping() -> None:
    DossierCodeSequence.objects.create(scope=G18, day=DAY, last_value=9998)
    assert dossier_code_generate(agency_code=G18, received_on=DAY) == "000.00.04.G18-261128-9999"
    code = dossier_code_generate(agency_code=G18, received_on=DAY)
    assert code == "000.00.04.G18-261128-10000"
    assert dossier_code_parse(code).sequence == 10000


@pytest.mark.django_db
def test_configured_format_is_used_and_older_codes_still_parse() -> None:
    before = dossier_code_generate(agency_code="000.00.20.G09", received_on=date(2026, 6, 9))
    with override_settings(DOSSIER_CODE_FORMAT="tt03_2025_sample"):
        after = dossier_code_generate(agency_code="000.00.20.G09", received_on=date(2026, 6, 9))
        assert dossier_code_parse(before).format_name == "tt01_2018"
    # Same agency and day: the sequence continues across the switch, so the numbers never repeat.
    assert (before, after) == ("000.00.20.G09-260609-0001", "G09.20-20260609-0000002")


@pytest.mark.django_db
def test_rolled_back_receipt_gives_its_number_back() -> None:
    assert next_value(scope=G18, day=DAY) == 1
    with transaction.atomic():
        assert next_value(scope=G18, day=DAY) == 2
        transaction.set_rollback(True)
    assert next_value(scope=G18, day=DAY) == 2


@pytest.mark.django_db
def test_malformed_agency_code_is_refused_before_a_number_is_taken() -> None:
    with pytest.raises(InvalidDossierCode) as caught:
        dossier_code_generate(agency_code="G18", received_on=DAY)
    assert caught.value.code == "dossier_code_agency_code"
    assert "000.00.04.G18" in str(caught.value.message)
    assert not DossierCodeSequence.objects.exists()


@pytest.mark.django_db
def test_a_datetime_is_not_a_date_of_receipt() -> None:
    # datetime is a subclass of date: it would silently become another sequence key.
    with pytest.raises(TypeError, match="local date"):
        dossier_code_generate(agency_code=G18, received_on=datetime(2026, 11, 28, 10, 0))  # noqa: DTZ001
    with pytest.raises(TypeError, match="local date"):
        next_value(scope=G18, day=datetime(2026, 11, 28, 10, 0))  # noqa: DTZ001
    assert not DossierCodeSequence.objects.exists()


# --- Concurrency --------------------------------------------------------------------------------

THREADS = 8
CODES_PER_THREAD = 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads with their own PostgreSQL connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_on_postgresql_never_share_a_number() -> None:
    """8 threads, each with its own connection, take 50 codes each for the same agency and day.

    Even threads take each code inside a transaction (as the receipt service will), odd threads in
    autocommit; all start together on a barrier so the first INSERT of the day races too.
    """
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    sequences: list[int] = []
    errors: list[BaseException] = []

    def receive(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(CODES_PER_THREAD):
                if index % 2 == 0:
                    with transaction.atomic():
                        code = dossier_code_generate(agency_code=G18, received_on=DAY)
                else:
                    code = dossier_code_generate(agency_code=G18, received_on=DAY)
                with lock:
                    sequences.append(dossier_code_parse(code).sequence)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()  # this thread's connection, so the test database can be dropped

    threads = [threading.Thread(target=receive, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(sequences) == THREADS * CODES_PER_THREAD
    assert sorted(sequences) == list(range(1, THREADS * CODES_PER_THREAD + 1))
    assert DossierCodeSequence.objects.get(scope=G18, day=DAY).last_value == THREADS * CODES_PER_THREAD


# pytest-django's SQLite test database is in memory with a shared cache, where concurrent writers get
# "database table is locked" at once instead of waiting on busy_timeout, so threads there would test
# nothing real. This runs the same threads in a fresh interpreter against a SQLite file, configured by
# the project's own DATABASE_URL parsing (WAL, BEGIN IMMEDIATE, busy_timeout); it does not need the
# main test database and runs on every test run, PostgreSQL included.
_SQLITE_WORKER = textwrap.dedent(
    """
    import json, threading
    from datetime import date

    import django

    django.setup()

    from django.db import connection, transaction

    from motcua.dossiers.numbering import DossierCodeSequence, dossier_code_generate, dossier_code_parse

    THREADS, PER_THREAD = {threads}, {per_thread}
    with connection.schema_editor() as editor:
        editor.create_model(DossierCodeSequence)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
    report = {{
        "vendor": connection.vendor,
        "sqlite_version": connection.Database.sqlite_version,
        "transaction_mode": connection.settings_dict["OPTIONS"].get("transaction_mode"),
        "journal_mode": journal_mode,
        "sequences": [],
        "errors": [],
    }}
    connection.close()
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def receive(index):
        try:
            barrier.wait(timeout=30)
            for _ in range(PER_THREAD):
                if index % 2 == 0:
                    with transaction.atomic():
                        code = dossier_code_generate(agency_code="000.00.04.G18", received_on=date(2026, 11, 28))
                else:
                    code = dossier_code_generate(agency_code="000.00.04.G18", received_on=date(2026, 11, 28))
                with lock:
                    report["sequences"].append(dossier_code_parse(code).sequence)
        except BaseException as exc:
            with lock:
                report["errors"].append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report["last_value"] = DossierCodeSequence.objects.get().last_value
    print(json.dumps(report))
    """
)


def test_concurrent_receipts_on_sqlite_never_share_a_number(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'codes.sqlite3'}",
        "MOTCUA_VAR_DIR": str(tmp_path),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-only",
    }
    script = _SQLITE_WORKER.format(threads=THREADS, per_thread=CODES_PER_THREAD)
    result = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["vendor"] == "sqlite"
    assert report["transaction_mode"] == "IMMEDIATE"
    assert report["journal_mode"] == "wal"
    assert report["errors"] == []
    assert sorted(report["sequences"]) == list(range(1, THREADS * CODES_PER_THREAD + 1))
    assert report["last_value"] == THREADS * CODES_PER_THREAD
