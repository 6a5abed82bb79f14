"""Latency of a catalogue search page over 10,000 procedures, on SQLite and PostgreSQL in one run.

For each database the run creates a throwaway database (a temporary SQLite file; a PostgreSQL
database `motcua_bench`, created and dropped here), migrates it, loads 10,000 procedures with
names made of real procedure words, then times realistic queries two ways:

- page: `procedure_search` + the first page of 20 (count, rows, versions in force) + serialising it;
- HTTP: the whole GET /api/v1/procedures through Django's test client (middleware, DRF, JSON).

Target: p95 under 30 ms for a search page on the 2-core reference machine.

    SECRET_KEY=x .venv/bin/python -m bench.catalog_search [--write] [--postgres URL] [--sqlite-only]

Each database runs in its own process (Django binds to one database per process); the parent
collects the figures and prints one table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit, urlunsplit

from bench._report import write_section

N_PROCEDURES = 10_000
REPEATS = 40
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/motcua_bench"

# (label, query parameters): what citizens and officers type, with and without diacritics, typos,
# codes and filters.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("name, with diacritics", {"q": "Đăng ký khai sinh"}),
    ("two words", {"q": "khai sinh"}),
    ("common phrase", {"q": "giay phep xay dung"}),
    ("long phrase", {"q": "cấp lại giấy phép lái xe"}),
    ("one common word", {"q": "cap"}),
    ("short words", {"q": "y te"}),
    ("code", {"q": "1.001193"}),
    ("code prefix", {"q": "1.0042"}),
    ("typo", {"q": "dang ki khai sin"}),
    ("typo in a common phrase", {"q": "giay fep xay dung"}),
    ("typo, two words", {"q": "thuong chu"}),
    ("words + field", {"q": "dang ky", "field": "Hộ tịch"}),
    ("words + agency", {"q": "cap giay", "agency": "cong an"}),
    ("filters only", {"level": "province", "online_level": "full"}),
    ("everything (no query)", {}),
]

VERBS = [
    "Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Thu hồi", "Đăng ký", "Đăng ký lại",
    "Đăng ký thay đổi nội dung", "Xác nhận", "Công nhận", "Thẩm định", "Phê duyệt", "Chứng thực",
    "Giải quyết", "Thông báo", "Cho phép", "Chấp thuận", "Sửa đổi, bổ sung", "Xóa đăng ký", "Tạm ngừng",
    "Chấm dứt", "Cấp bản sao", "Cấp trích lục", "Hủy bỏ",
]  # fmt: skip
OBJECTS = [
    "giấy phép xây dựng", "giấy chứng nhận quyền sử dụng đất", "giấy phép lái xe", "khai sinh", "khai tử",
    "kết hôn", "thường trú", "tạm trú", "giấy chứng nhận đăng ký doanh nghiệp", "hộ kinh doanh",
    "giấy phép hoạt động", "chứng chỉ hành nghề", "thẻ bảo hiểm y tế", "hộ chiếu phổ thông",
    "giấy phép lao động", "biển số xe", "giám hộ", "nhận cha, mẹ, con", "thay đổi, cải chính hộ tịch",
    "giấy chứng nhận đủ điều kiện an toàn thực phẩm", "giấy phép kinh doanh vận tải",
    "giấy phép khai thác tài nguyên nước", "quyết định thành lập trường mầm non", "bằng tốt nghiệp trung học",
    "giấy phép môi trường", "giấy phép bán lẻ rượu", "giấy chứng nhận đăng ký phương tiện thủy nội địa",
    "chứng nhận hợp tác xã", "giấy phép tổ chức lễ hội", "trợ cấp xã hội hằng tháng", "hỗ trợ chi phí mai táng",
    "giấy xác nhận tình trạng hôn nhân", "giấy phép sử dụng vật liệu nổ công nghiệp",
    "chứng chỉ năng lực hoạt động xây dựng", "giấy phép quy hoạch",
    "giấy chứng nhận cơ sở đủ điều kiện chăn nuôi", "giấy phép đào tạo lái xe",
    "giấy phép thành lập văn phòng đại diện", "giấy chứng nhận đầu tư", "con dấu", "thẻ căn cước",
    "giấy phép xuất bản bản tin", "chứng chỉ quy hoạch", "giấy phép biểu diễn nghệ thuật",
    "giấy phép hoạt động khám bệnh, chữa bệnh", "giấy chứng nhận lưu hành tự do", "giấy phép nhập khẩu thuốc",
    "nhà ở xã hội", "giá đất cụ thể", "bồi thường, hỗ trợ tái định cư",
]  # fmt: skip
QUALIFIERS = [
    "", "", "", "có yếu tố nước ngoài", "cho người nước ngoài", "đối với hộ gia đình, cá nhân",
    "đối với tổ chức", "tại Việt Nam", "lưu động", "trường hợp bị mất, hư hỏng", "cấp tỉnh", "cấp xã",
    "cho trẻ em dưới 6 tuổi", "do hết hạn sử dụng", "trong khu công nghiệp",
    "thuộc thẩm quyền của Ủy ban nhân dân cấp tỉnh",
]  # fmt: skip
FIELDS = [
    "Hộ tịch", "Đất đai", "Xây dựng", "Giáo dục và Đào tạo", "Y tế", "Đường bộ",
    "Thành lập và hoạt động doanh nghiệp", "Lao động", "Bảo trợ xã hội", "Cư trú", "Chứng thực", "Môi trường",
    "Tài nguyên nước", "Văn hóa", "Công thương", "Nông nghiệp", "Xuất bản", "Dược phẩm",
    "Khám bệnh, chữa bệnh", "Nhà ở", "Đầu tư", "Hợp tác xã", "An toàn thực phẩm", "Đường thủy nội địa",
]  # fmt: skip
AGENCIES = [
    "Ủy ban nhân dân cấp xã", "Sở Tư pháp", "Công an cấp tỉnh", "Công an cấp xã", "Sở Xây dựng", "Sở Y tế",
    "Sở Nông nghiệp và Môi trường", "Sở Công Thương", "Sở Giáo dục và Đào tạo", "Ủy ban nhân dân cấp tỉnh",
    "Bộ Y tế", "Cục Quản lý xuất nhập cảnh", "Sở Văn hóa, Thể thao và Du lịch", "Sở Tài chính",
    "Bảo hiểm xã hội cấp tỉnh",
]  # fmt: skip
REAL = [
    ("1.001193", "Đăng ký khai sinh"),
    (
        "2.000986",
        "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế "
        "cho trẻ em dưới 6 tuổi",
    ),
    ("2.001023", "Liên thông thủ tục hành chính về đăng ký khai sinh, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"),
    ("1.004222", "Đăng ký thường trú"),
]


class Timing(TypedDict):
    label: str
    results: int
    page_p50: float
    page_p95: float
    http_p50: float
    http_p95: float


class Run(TypedDict):
    engine: str
    load_seconds: float
    timings: list[Timing]
    page_all_p95: float
    http_all_p95: float


def _names(n: int, rng: random.Random) -> list[str]:
    seen = {name for _code, name in REAL}
    names: list[str] = []
    while len(names) < n:
        name = " ".join(p for p in (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)) if p)
        if name in seen:
            # The national catalogue repeats names across ministries and provinces, told apart by a case.
            name = f"{name} (trường hợp {rng.randint(2, 9)})"
            if name in seen:
                continue
        seen.add(name)
        names.append(name)
    return names


def _load(n: int) -> None:
    """Bulk-load `n` procedures with a version in force each; the search columns via search_index_rebuild."""
    from django.db import connection

    from motcua.catalog.content import VersionContent, search_text
    from motcua.catalog.models import ChannelOption, Fee, Field, Procedure, ProcedureVersion
    from motcua.catalog.search import search_index_rebuild, today
    from motcua.core.text import fold

    rng = random.Random(2026)
    fields = Field.objects.bulk_create(Field(name=name, name_folded=fold(name)) for name in FIELDS)
    rows = list(REAL)
    # National codes: 1.00xxxx for ministries' and provinces' procedures, 2.00xxxx for others.
    real_codes = {code for code, _name in REAL}
    codes = [c for c in (f"{rng.choice('12')}.{i:06d}" for i in rng.sample(range(1, 20_000), n)) if c not in real_codes]
    rows += list(zip(codes[: n - len(REAL)], _names(n - len(REAL), rng), strict=True))
    day = today()
    procedures = []
    versions = []
    version_fields = []
    for code, name in rows:
        field = rng.choice(fields)
        agency = rng.choice(AGENCIES)
        result_code = f"KQ.G{rng.randint(1, 20)}.{rng.randint(1, 999_999):06d}"
        content: VersionContent = {
            "name": name,
            "decision_number": "",
            "decision_date": None,
            "levels": [],
            "levels_text": "",
            "kind": "",
            "fields": [field.name],
            "applicants": [],
            "competent_agency": agency,
            "implementing_agency": agency,
            "delegated_agency": "",
            "coordinating_agency": "",
            "receiving_address": "",
            "steps": [],
            "conditions": "",
            "related_procedures": "",
            "online_level": "",
            "online_level_reason": "",
            "same_day_cutoff": None,
            "source_url": "",
            "channels": [],
            "documents": [],
            "legal_basis": [],
            "results": [{"name": "Kết quả", "code": result_code, "requires_paper": False}],
            "flags": [],
        }
        # Popularity is heavy-tailed: a few procedures receive most dossiers.
        popularity = 50_000 if code in {"1.001193", "1.004222"} else int(rng.paretovariate(1.2) * 10)
        procedure = Procedure(
            code=code, name=name, search_text=search_text(content, code), popularity=min(popularity, 10**6)
        )
        procedures.append(procedure)
        versions.append(
            ProcedureVersion(
                number=1,
                status=ProcedureVersion.Status.PUBLISHED,
                name=name,
                levels=rng.choice([["commune"], ["province"], ["central"], ["province", "commune"]]),
                implementing_agency=agency,
                competent_agency=agency,
                applicants=["Công dân Việt Nam"],
                steps=["Nộp hồ sơ", "Nhận kết quả"],
                online_level=rng.choice(["full", "partial", "none"]),
                effective_from=day - timedelta(days=rng.randint(0, 2000)),
                content_hash=f"bench-{code}",
            )
        )
        version_fields.append(field)
    Procedure.objects.bulk_create(procedures, batch_size=1000)
    for procedure, version in zip(procedures, versions, strict=True):
        version.procedure = procedure
    ProcedureVersion.objects.bulk_create(versions, batch_size=1000)
    through = ProcedureVersion.fields.through
    through.objects.bulk_create(
        [through(procedureversion_id=v.pk, field_id=f.pk) for v, f in zip(versions, version_fields, strict=True)],
        batch_size=2000,
    )
    channels = []
    for version in versions:
        for order, channel in enumerate(rng.sample(["in_person", "online", "postal"], rng.randint(1, 2))):
            days = rng.choice([0, 1, 3, 5, 7, 10, 15, 20, 30])
            channels.append(
                ChannelOption(
                    version=version,
                    order=order,
                    channel=channel,
                    time_limit_value=days,
                    time_limit_unit="working_days",
                    time_limit_source="explicit",
                    time_limit_text=f"{days} ngày làm việc",
                )
            )
    ChannelOption.objects.bulk_create(channels, batch_size=2000)
    Fee.objects.bulk_create(
        [Fee(channel=c, order=0, amount_vnd=rng.choice([0, 0, 50_000, 100_000]), text="") for c in channels],
        batch_size=2000,
    )
    search_index_rebuild()
    # Planner statistics, as autovacuum (PostgreSQL) or `ANALYZE` (SQLite) would have them in service.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _time(fn: Callable[[], object], repeats: int) -> list[float]:
    fn()  # warm-up: caches of the process and of the database
    samples = []
    gc.collect()
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def child(n: int, repeats: int) -> Run:
    """Runs inside a process whose DATABASE_URL names the throwaway database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    django.setup()
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.test import Client

    from motcua.api.v1.procedures import ProcedureSummarySerializer
    from motcua.catalog import selectors
    from motcua.catalog.search import procedure_search, search_engine, today

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    _load(n)
    load_seconds = time.perf_counter() - started
    client = Client()
    timings: list[Timing] = []
    page_all: list[float] = []
    http_all: list[float] = []
    for label, params in QUERIES:
        count = 0

        def page(params: dict[str, str] = params) -> None:
            nonlocal count
            results = procedure_search(**params)
            current = Paginator(results, 20).page(1)
            count = current.paginator.count
            procedures = list(current.object_list)
            summaries = selectors.procedure_summaries(procedures=procedures, day=today())
            ProcedureSummarySerializer.many_init([summaries[p.pk] for p in procedures], context={}).data  # noqa: B018

        def http(params: dict[str, str] = params) -> None:
            response = client.get("/api/v1/procedures", params)
            assert response.status_code == 200, response.content

        page_samples = _time(page, repeats)
        http_samples = _time(http, repeats)
        page_all += page_samples
        http_all += http_samples
        timings.append(
            {
                "label": label,
                "results": count,
                "page_p50": statistics.median(page_samples),
                "page_p95": _percentile(page_samples, 0.95),
                "http_p50": statistics.median(http_samples),
                "http_p95": _percentile(http_samples, 0.95),
            }
        )
    return {
        "engine": search_engine(),
        "load_seconds": load_seconds,
        "timings": timings,
        "page_all_p95": _percentile(page_all, 0.95),
        "http_all_p95": _percentile(http_all, 0.95),
    }


def _run_child(database_url: str, n: int, repeats: int, var_dir: str) -> Run:
    env = {**os.environ, "DATABASE_URL": database_url, "MOTCUA_VAR_DIR": var_dir, "DEBUG": "false"}
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
    completed = subprocess.run(  # noqa: S603 (this interpreter, this module, numbers)
        [sys.executable, "-m", "bench.catalog_search", "--child", "--n", str(n), "--repeats", str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if completed.returncode != 0:
        sys.exit(f"the benchmark failed on {database_url}:\n{completed.stderr[-4000:]}")
    run: Run = json.loads(completed.stdout.strip().splitlines()[-1])
    return run


def _postgres_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql)


def _table(runs: dict[str, Run]) -> str:
    names = list(runs)
    header = "| query | results | " + " | ".join(f"{name} page p50 / p95 | {name} HTTP p50 / p95" for name in names)
    lines = [header + " |", "|---|---|" + "---|---|" * len(names)]
    for i, (label, params) in enumerate(QUERIES):
        shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "(none)"
        counts = {runs[name]["timings"][i]["results"] for name in names}
        cells = []
        for name in names:
            t = runs[name]["timings"][i]
            cells.append(f"{t['page_p50']:.1f} / {t['page_p95']:.1f} ms | {t['http_p50']:.1f} / {t['http_p95']:.1f} ms")
        result_cell = " / ".join(str(c) for c in sorted(counts))
        lines.append(f"| {label}: `{shown}` | {result_cell} | " + " | ".join(cells) + " |")
    totals = [f"**{runs[n]['page_all_p95']:.1f} ms** | **{runs[n]['http_all_p95']:.1f} ms**" for n in names]
    lines.append("| **all queries, p95** | | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the figures to docs/performance.md")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--n", type=int, default=N_PROCEDURES)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.n, args.repeats)))
        return

    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        runs["SQLite"] = _run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.n, args.repeats, tmp)
        if not args.sqlite_only:
            name = urlsplit(args.postgres).path.lstrip("/")
            if not name.startswith("motcua_bench"):
                sys.exit("refusing to create and drop a database whose name does not start with motcua_bench")
            _postgres_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _postgres_admin(args.postgres, f'CREATE DATABASE "{name}"')
            try:
                runs["PostgreSQL"] = _run_child(args.postgres, args.n, args.repeats, tmp)
            finally:
                _postgres_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    worst = max(max(r["page_all_p95"], r["http_all_p95"]) for r in runs.values())
    engines = "; ".join(f"{name}: {run['engine']}, loaded in {run['load_seconds']:.0f} s" for name, run in runs.items())
    body = (
        f"{args.n:,} procedures, {len(QUERIES)} queries × {args.repeats} runs each after a warm-up. "
        "*page*: `procedure_search` + first page of 20 + versions in force + serialising; "
        "*HTTP*: GET /api/v1/procedures through Django's test client.\n\n"
        f"{_table(runs)}\n\n"
        f"Engines: {engines}. Target p95 < 30 ms for a search page: "
        f"{'met' if worst < 30 else 'NOT met'} (worst p95 over all queries {worst:.1f} ms)."
    )
    print(body)
    if args.write:
        write_section(
            "catalog-search",
            "python -m bench.catalog_search --write",
            body,
        )


if __name__ == "__main__":
    main()
