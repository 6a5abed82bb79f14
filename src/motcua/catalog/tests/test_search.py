"""Search of the catalogue, on whichever database the suite runs (SQLite by default, PostgreSQL in CI).

The catalogue below uses real procedures of the national catalogue and a dozen neighbours whose
names share words with them, so that ranking is tested where it is hard.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from motcua.catalog import search, services
from motcua.catalog.content import ChannelContent
from motcua.catalog.models import Field, Procedure
from motcua.catalog.search import Tier, procedure_search, procedure_search_tiers
from motcua.catalog.tests import factories
from motcua.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

COMMUNE = "Ủy ban nhân dân cấp xã"


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _channel(channel: str, days: str = "3") -> ChannelContent:
    # The factory's channel (with its fee, in whatever shape content has today), changed.
    option = copy.deepcopy(factories.content()["channels"][0])
    option["channel"] = channel
    option["time_limit_value"] = days
    option["time_limit_text"] = f"{days} ngày làm việc"
    return option


def _make(
    code: str,
    name: str,
    *,
    field: str = "Hộ tịch",
    agency: str = COMMUNE,
    competent: str | None = None,
    levels: Sequence[str] = ("commune",),
    online_level: str = "full",
    channels: Sequence[str] = ("in_person", "online"),
) -> None:
    factories.procedure(
        code,
        name,
        fields=[field],
        implementing_agency=agency,
        competent_agency=competent or agency,
        levels=list(levels),
        online_level=online_level,
        channels=[_channel(c) for c in channels],
    )


@pytest.fixture
def catalogue() -> None:
    # The four procedures of the brief, with their real codes and names.
    _make("1.001193", "Đăng ký khai sinh")
    _make(
        "2.000986",
        "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế "
        "cho trẻ em dưới 6 tuổi",
        competent="Ủy ban nhân dân cấp xã; Công an cấp xã; Bảo hiểm xã hội",
    )
    _make(
        "2.001023",
        "Liên thông thủ tục hành chính về đăng ký khai sinh, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        competent="Ủy ban nhân dân cấp xã; Bảo hiểm xã hội",
    )
    _make("1.004222", "Đăng ký thường trú", field="Cư trú", agency="Công an cấp xã")
    # Neighbours.
    _make("1.001695", "Đăng ký khai sinh có yếu tố nước ngoài", online_level="partial")
    _make("1.004884", "Đăng ký lại khai sinh", online_level="partial")
    _make("1.000656", "Đăng ký khai tử")
    _make("1.000894", "Đăng ký kết hôn", online_level="partial")
    _make("1.004194", "Đăng ký tạm trú", field="Cư trú", agency="Công an cấp xã")
    _make("1.004227", "Xóa đăng ký thường trú", field="Cư trú", agency="Công an cấp xã")
    _make(
        "1.009972",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        field="Xây dựng",
        online_level="partial",
        channels=("in_person", "postal"),
    )
    _make(
        "2.000908",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp",
        field="Chứng thực",
        online_level="none",
        channels=("in_person",),
    )
    _make(
        "1.002425",
        "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        field="Đường bộ",
        agency="Sở Xây dựng",
        levels=("province",),
    )
    _make(
        "1.001612",
        "Cấp hộ chiếu phổ thông trong nước",
        field="Xuất nhập cảnh",
        agency="Công an cấp tỉnh",
        levels=("central", "province"),
        online_level="partial",
    )
    _make(
        "2.002165",
        "Giải quyết hưởng trợ cấp thất nghiệp",
        field="Việc làm",
        agency="Sở Nội vụ",
        levels=("province",),
        online_level="partial",
    )
    _make(
        "1.000105.H38",
        "Đăng ký thành lập hộ kinh doanh",
        field="Thành lập và hoạt động của hộ kinh doanh",
    )


def codes(q: str = "", **filters: Any) -> list[str]:
    return [p.code for p in procedure_search(q=q, **filters)]


# -- matching ---------------------------------------------------------------------------------------


def test_diacritics_and_case_are_ignored(catalogue: None) -> None:
    assert codes("dang ky khai sinh")[0] == "1.001193"
    assert codes("ĐĂNG KÝ KHAI SINH")[0] == "1.001193"
    assert codes("Đăng  ký, khai-sinh")[0] == "1.001193"


def test_khai_sinh_ranks_the_procedure_itself_first_then_the_interlinked_groups(catalogue: None) -> None:
    found = codes("khai sinh")
    assert found[0] == "1.001193"
    assert {"2.000986", "2.001023"} <= set(found)
    assert "1.000656" not in found  # khai tử


def test_thuong_tru_finds_the_residence_registration_first(catalogue: None) -> None:
    found = codes("thuong tru")
    assert found[0] == "1.004222"
    # Then the other names holding the phrase, by code.
    assert found[1:] == ["1.004227", "2.000986"]


def test_a_typo_still_finds_the_procedure(catalogue: None) -> None:
    results = procedure_search(q="dang ki khai sin")
    found = [p.code for p in results]
    tiers = procedure_search_tiers(results, "dang ki khai sin")
    assert tiers["1.001193"] == Tier.TYPO
    # The interlinked names hold "dang ky khai sinh" too (pg_trgm's greedy extent even scores
    # 2.000986 higher, 13/18 against 13/20), but among typo matches the shorter name, which the
    # query covers best, comes first.
    assert found[0] == "1.001193"
    assert {"2.000986", "2.001023", "1.001695"} <= set(found)
    assert "1.000656" not in found  # "khai tử" is not a typo of "khai sinh"


def test_an_unfinished_last_word_matches_while_typing(catalogue: None) -> None:
    assert codes("dang ky khai si")[:2] == ["1.001193", "1.001695"]


@pytest.mark.parametrize(
    ("q", "first", "tier"),
    [
        ("1.004222", "1.004222", Tier.CODE),
        ("1.0042", "1.004222", Tier.CODE_PREFIX),
        ("1.000105.h38", "1.000105.H38", Tier.CODE),
        ("dang ky khai sinh", "1.001193", Tier.NAME_EQUALS),
        ("dang ky khai s", "1.001193", Tier.NAME_STARTS),
        ("khai sinh", "1.001193", Tier.NAME_PHRASE),
        # Both interlinked groups hold all three words; the shorter name is the closer match.
        ("khai sinh bao hiem", "2.001023", Tier.NAME_WORDS),
        ("ho tich ket hon", "1.000894", Tier.TEXT_WORDS),
        ("kq.g15.000010 tam tru", "1.004194", Tier.TEXT_WORDS),
        ("thuong chu", "1.004222", Tier.TYPO),
    ],
)
def test_each_tier_of_the_ranking(catalogue: None, q: str, first: str, tier: Tier) -> None:
    results = procedure_search(q=q)
    assert results[0].code == first
    assert procedure_search_tiers(results, q)[first] == tier


def test_tiers_come_in_order_then_name_length_then_popularity_then_code(catalogue: None) -> None:
    results = procedure_search(q="1.0042")
    tiers = procedure_search_tiers(results, "1.0042")
    ordered = [tiers[p.code] for p in results]
    assert ordered == sorted(ordered)
    # Same tier (a code prefix): the shorter name first ("Đăng ký thường trú").
    assert [p.code for p in results][:2] == ["1.004222", "1.004227"]
    # Names of the same length: popularity first (computed from received dossiers in issue #4;
    # set directly here), then the code.
    Procedure.objects.filter(code="1.004222").update(name_words=" " + "x" * 30 + " ")
    Procedure.objects.filter(code="1.004227").update(name_words=" " + "y" * 30 + " ")
    assert codes("1.0042")[:2] == ["1.004222", "1.004227"]
    Procedure.objects.filter(code="1.004227").update(popularity=500)
    assert codes("1.0042")[:2] == ["1.004227", "1.004222"]


def test_popularity_does_not_lift_a_weaker_match_above_a_better_one(catalogue: None) -> None:
    Procedure.objects.filter(code="2.000986").update(popularity=100_000)
    found = codes("dang ky khai sinh")
    assert found[0] == "1.001193"  # the name itself beats any popularity
    # Same tier: the closer (shorter) name beats popularity too.
    assert found.index("2.001023") < found.index("2.000986")


def test_typo_matches_come_only_when_exact_ones_are_few(catalogue: None) -> None:
    # One exact match, then the names one word away (strict word similarity 12/20 = 0.6).
    results = procedure_search(q="dang ky tam tru")
    tiers = procedure_search_tiers(results, "dang ky tam tru")
    assert results[0].code == "1.004194"
    assert tiers["1.004222"] == Tier.TYPO
    for i in range(search.TYPO_TIER_BELOW):
        factories.procedure(f"9.{i:06d}", f"Đăng ký tạm trú cho người nước ngoài, trường hợp {i + 1}")
    crowded = [p.code for p in procedure_search(q="dang ky tam tru")]
    assert len(crowded) == search.TYPO_TIER_BELOW + 1
    assert "1.004222" not in crowded


def test_nothing_matches_nonsense_and_an_empty_query_lists_everything(catalogue: None) -> None:
    assert codes("qwxz zzzq") == []
    everything = codes("")
    assert len(everything) == 16
    assert everything == sorted(everything)  # equal popularity: by code
    assert codes("  ,;  ") == everything


# -- filters -----------------------------------------------------------------------------------------


def test_filters_combine_with_the_query(catalogue: None) -> None:
    field = Field.objects.get(name="Cư trú")
    assert codes("dang ky", field="Cư trú") == ["1.004194", "1.004222", "1.004227"]
    assert codes("dang ky", field="cu tru") == codes("dang ky", field=str(field.pk))
    assert codes("", level="province") == ["1.001612", "1.002425", "2.002165"]
    assert codes("cap", level="central") == ["1.001612"]
    assert set(codes("khai sinh", online_level="partial")) == {"1.001695", "1.004884"}
    assert codes("", channel="postal") == ["1.009972"]
    assert codes("", channel="in_person", online_level="none") == ["2.000908"]
    # Agency: the start of words of the implementing or competent agency, without diacritics.
    # 2.000986 is there through its competent agencies (the police register the residence).
    assert codes("dang ky", agency="cong an") == ["1.004194", "1.004222", "1.004227", "2.000986"]
    assert "2.000986" in codes("khai sinh", agency="Bảo hiểm xã hội")
    assert set(codes("khai sinh", agency="bao hiem xa hoi")) == {"2.000986", "2.001023"}


@pytest.mark.parametrize(
    ("filters", "parameter"),
    [
        ({"field": "Thiên văn"}, "field"),
        ({"field": "999999"}, "field"),
        ({"level": "district_office"}, "level"),
        ({"online_level": "total"}, "online_level"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_an_unknown_filter_value_is_refused_naming_it(catalogue: None, filters: dict[str, str], parameter: str) -> None:
    with pytest.raises(InvalidInput) as error:
        procedure_search(q="khai sinh", **filters)
    assert error.value.field == parameter


def test_empty_filters_mean_no_filter(catalogue: None) -> None:
    assert codes("khai sinh", field="", level="", agency="", online_level="", channel="") == codes("khai sinh")


# -- what is in force ---------------------------------------------------------------------------------


def test_only_procedures_in_force_are_found(catalogue: None) -> None:
    services.procedure_import(
        code="1.000001",
        content=factories.content("Đăng ký khai sinh cho người đã có hồ sơ", documents=[]),
        source_record={},
        actor="test",
        source="operator",
        already_published=False,
    )  # incomplete and published by no authority: stays a draft
    assert "1.000001" not in codes("khai sinh")
    procedure = Procedure.objects.get(code="1.004884")
    day = search.today()
    services.procedure_abolish(procedure=procedure, actor="test", effective_to=day, reason="QĐ 1/2026")
    assert "1.004884" in codes("khai sinh")  # in force until the end of its last day
    with time_machine.travel(_noon(day + timedelta(days=1)), tick=False):
        assert "1.004884" not in codes("khai sinh")


def test_an_amendment_is_searchable_under_its_new_name_from_its_first_day(catalogue: None) -> None:
    procedure = Procedure.objects.get(code="1.004194")
    draft = services.version_create_draft(procedure=procedure, actor="test")
    services.version_update_draft(
        version=draft, content=factories.content("Khai báo tạm vắng", fields=["Cư trú"]), actor="test"
    )
    tomorrow = search.today() + timedelta(days=1)
    services.version_publish(version=draft, actor="test", effective_from=tomorrow)
    with time_machine.travel(_noon(tomorrow), tick=False):
        assert codes("khai bao tam vang") == ["1.004194"]
        assert "1.004194" not in codes("dang ky tam tru")


# -- the index -----------------------------------------------------------------------------------------


def test_the_search_columns_follow_the_version_in_force(catalogue: None) -> None:
    procedure = Procedure.objects.get(code="2.000986")
    assert procedure.name_words.startswith(" lien thong thu tuc hanh chinh ve dang ky khai sinh dang ky")
    assert procedure.search_words.startswith(" 2 000986 lien thong")
    assert procedure.agency_words == " uy ban nhan dan cap xa uy ban nhan dan cap xa cong an cap xa bao hiem xa hoi "
    # The same agency named twice (implementing and competent) is indexed once.
    assert Procedure.objects.get(code="1.001193").agency_words == " uy ban nhan dan cap xa "


def test_a_rebuild_gives_the_same_columns_and_results(catalogue: None) -> None:
    before = list(Procedure.objects.order_by("code").values_list("name_words", "search_words", "agency_words"))
    Procedure.objects.update(name_words="", search_words="", agency_words="")
    assert search.search_index_rebuild() == 16
    after = list(Procedure.objects.order_by("code").values_list("name_words", "search_words", "agency_words"))
    assert after == before
    assert codes("khai sinh")[0] == "1.001193"


@pytest.mark.django_db(transaction=True)
def test_the_backfill_migration_indexes_procedures_that_existed_before_search() -> None:
    executor = MigrationExecutor(connection)
    before = [("catalog", "0001_initial")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    procedure = old.get_model("catalog", "Procedure").objects.create(
        code="1.001193",
        name="Đăng ký khai sinh",
        search_text="1.001193 dang ky khai sinh ho tich uy ban nhan dan cap xa kq.g15.000010",
    )
    old.get_model("catalog", "ProcedureVersion").objects.create(
        procedure=procedure,
        number=1,
        status="published",
        name="Đăng ký khai sinh",
        implementing_agency=COMMUNE,
        competent_agency=COMMUNE,
        effective_from=search.today() - timedelta(days=30),
        content_hash="-",
    )
    executor = MigrationExecutor(connection)  # the graph as a deployment sees it: forwards to the end
    executor.migrate(executor.loader.graph.leaf_nodes())
    migrated = Procedure.objects.get(code="1.001193")
    assert migrated.name_words == " dang ky khai sinh "
    assert migrated.search_words == " 1 001193 dang ky khai sinh ho tich uy ban nhan dan cap xa kq g15 000010 "
    assert migrated.agency_words == " uy ban nhan dan cap xa "
    assert codes("khai sinh") == codes("dang ki khai sin") == ["1.001193"]


QUERIES = ["khai sinh", "dang ki khai sin", "thuong tru", "1.0042", "y te", "giay fep xay dung", "cap", "a"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_sqlite_gives_the_same_results_with_and_without_fts(catalogue: None) -> None:
    assert search.fts5_trigram_supported()
    assert search.search_engine() == "sqlite: FTS5 trigram"
    with_fts = {q: codes(q) for q in QUERIES}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {search.FTS_TABLE}")  # rolled back with the test
    assert search.search_engine() == "sqlite: scan (no FTS5 trigram)"
    assert {q: codes(q) for q in QUERIES} == with_fts


# -- pg_trgm's strict_word_similarity, ported -----------------------------------------------------------

# Values returned by PostgreSQL 15.20's pg_trgm for the same pairs.
SIMILARITIES = [
    ("dang ki khai sin", " dang ky khai sinh ", 13 / 20),
    (
        "dang ki khai sin",
        " lien thong thu tuc hanh chinh ve dang ky khai sinh cap the bao hiem y te cho tre em duoi 6 tuoi ",
        13 / 20,
    ),
    ("khai sinh", " dang ky khai sinh ", 1.0),
    ("khai sin", " dang ky khai sinh ", 8 / 11),
    ("thuong chu", " dang ky thuong tru ", 7 / 11),
    ("giay fep xay dung", " cap giay phep xay dung ", 2 / 3),
    ("chug thuc", " chung thuc ban sao tu ban chinh ", 8 / 13),
    # Below the threshold: a neighbour, and a stretch of letters across words.
    ("khai sinh", " dang ky khai tu ", 0.5),
    ("thuong tru", " giai quyet huong tro cap that nghiep ", 3 / 7),
    ("xyz", " dang ky khai sinh ", 0.0),
    ("a", " b a ", 1.0),
]


@pytest.mark.parametrize(("query", "text", "expected"), SIMILARITIES)
def test_strict_word_similarity_is_pg_trgms(query: str, text: str, expected: float) -> None:
    assert search.strict_word_similarity(query, text) == pytest.approx(expected)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with pg_trgm itself")
def test_strict_word_similarity_matches_postgresql_on_varied_pairs() -> None:
    syllables = ["dang", "ky", "ki", "khai", "sinh", "sin", "thuong", "tru", "chu", "cap", "giay", "phep"]
    syllables += ["fep", "xay", "dung", "ho", "chieu", "y", "te", "a"]
    pairs = [
        (" ".join(syllables[i % 7 : i % 7 + 1 + i % 4]), " " + " ".join(syllables[(i * 5) % 11 :][: 3 + i % 9]) + " ")
        for i in range(200)
    ]
    pairs += [(query, text) for query, text, _ in SIMILARITIES]
    with connection.cursor() as cursor:
        for query, text in pairs:
            cursor.execute("SELECT strict_word_similarity(%s, %s)", [query, text])
            (expected,) = cursor.fetchone()
            assert search.strict_word_similarity(query, text) == pytest.approx(expected, abs=1e-6), (query, text)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_the_typo_query_leaves_the_connections_settings_alone(catalogue: None) -> None:
    # The test runs inside a transaction, as a request does with ATOMIC_REQUESTS.
    assert "1.001193" in codes("dang ki khai sin")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan')")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SELECT current_setting('pg_trgm.strict_word_similarity_threshold')")
        assert cursor.fetchone()[0] == "0.5"
