"""Server time of the main portal and back-office pages, on the demo data set, SQLite and PostgreSQL.

Issue #6 item 7 ("pages stay fast"): the time Django takes to answer a page, measured in process
with Django's test Client: URL routing, middleware (sessions, CSRF, locale, messages), the view's
queries and the template, as in production (DEBUG off, static files collected and served from the
manifest). Neither the network nor the browser is counted.

For each database the run creates a throwaway database (a temporary SQLite file; the PostgreSQL
database named by --postgres, which must start with motcua_bench, created and dropped here),
migrates it and loads what `make run` loads (`load-reference-data`, `load-demo --force`: 1,316 real
procedures, the officers of Phường Sài Gòn and 14 dossiers in every state). A citizen signs in as
the applicant of the demo dossier whose signed result was handed over (so that "my dossiers" and
the dossier's page show a dossier with its whole history) and starts a draft of 1.001193; the
receiving officer of the Phường Sài Gòn centre is logged in for the back office. Each page is
requested --repeats times after three warm-up requests; the figures are the median and the 95th
percentile, with the number of SQL queries of one request.

    SECRET_KEY=x .venv/bin/python -m bench.portal_pages [--write] [--postgres URL] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypedDict

from bench._report import write_section
from bench._serving import bench_env, run_child, throwaway_postgres

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/motcua_bench_pages"
REPEATS = 50
WARMUP = 3
# The demo applicant whose dossier went all the way: received, handled, signed result, handed over
# (motcua.demo.dossiers.STORIES).
APPLICANT_ID = "079086000111"
APPLICANT_NAME = "Dương Văn Phúc"
OFFICER = "motcua"  # the demo receiving officer of the Phường Sài Gòn centre
BIRTH_REGISTRATION = "1.001193"
WARD = "267.40.00.X79"  # Ủy ban nhân dân phường Sài Gòn
CENTRE = "267.40.01.X79"


class Timing(TypedDict):
    label: str
    path: str
    p50: float
    p95: float
    queries: int
    size_kb: float


class Run(TypedDict):
    load_seconds: float
    timings: list[Timing]


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _prepare() -> tuple[str, str, str]:
    """Load the demo data set; returns the citizen's username, their draft's UUID and their dossier's code."""
    from django.core.management import call_command

    from motcua.agencies.models import Agency
    from motcua.citizens.claims import IdentityClaims
    from motcua.citizens.services import citizen_sign_in_from_claims
    from motcua.dossiers import drafts
    from motcua.dossiers.models import Dossier, Draft

    with contextlib.redirect_stdout(sys.stderr):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load-reference-data")
        call_command("load-demo", "--force")
        call_command("collectstatic", "--noinput", verbosity=0)
    citizen = citizen_sign_in_from_claims(
        claims=IdentityClaims(
            issuer="https://idp.example.vn",
            subject=f"bench-{APPLICANT_ID}",
            acr="urn:motcua:idp-standin:level:2",
            assurance_level=2,
            personal_id=APPLICANT_ID,
            full_name=APPLICANT_NAME,
            birth_date=date(1986, 4, 12),
            gender="male",
            address="Phường Sài Gòn, Thành phố Hồ Chí Minh",
            commune_code="26740",
            phone="0901234567",
            email=f"{APPLICANT_ID}@example.invalid",
            businesses=None,
        )
    )
    draft = drafts.draft_start(
        citizen=citizen,
        procedure_code=BIRTH_REGISTRATION,
        setup=drafts.Setup(
            principal_kind=Draft.PrincipalKind.SELF,
            principal_identifier=APPLICANT_ID,
            case_name="",
            competent_agency=Agency.objects.get(code=WARD),
            receiving_agency=Agency.objects.get(code=CENTRE),
        ),
    )
    dossier = Dossier.objects.get(applicant_id_number=APPLICANT_ID)
    assert dossier.code, "the demo dossier of the applicant was never received"
    return citizen.user.get_username(), str(draft.uuid), dossier.code


def child(repeats: int) -> Run:
    """Runs inside a process whose DATABASE_URL names the throwaway database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    citizen_username, draft_uuid, code = _prepare()
    load_seconds = time.perf_counter() - started

    users = get_user_model().objects
    citizen = Client(headers={"accept-language": "vi"})
    citizen.force_login(users.get(username=citizen_username))
    officer = Client(headers={"accept-language": "vi"})
    officer.force_login(users.get(username=OFFICER))
    anyone = Client(headers={"accept-language": "vi"})
    pages: list[tuple[str, Client, str]] = [
        ("home", anyone, "/"),
        ("catalogue list", anyone, "/thu-tuc/"),
        ("search “đăng ký khai sinh”", anyone, "/thu-tuc/?q=đăng+ký+khai+sinh"),
        ("procedure page (1.001193)", anyone, f"/thu-tuc/{BIRTH_REGISTRATION}/"),
        ("apply: start", citizen, f"/thu-tuc/{BIRTH_REGISTRATION}/nop-ho-so/"),
        ("apply: e-form", citizen, f"/ho-so-nhap/{draft_uuid}/"),
        ("my dossiers", citizen, "/ho-so-cua-toi/"),
        ("my dossier (result handed over)", citizen, f"/ho-so-cua-toi/{code}/"),
        ("back office: work queues", officer, "/can-bo/"),
        ("back office: dossier page", officer, f"/can-bo/ho-so/{code}/"),
    ]
    timings: list[Timing] = []
    for label, client, path in pages:
        for _ in range(WARMUP):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        queries = 0

        def count(execute: Callable[..., object], *args: object) -> object:
            nonlocal queries
            queries += 1
            return execute(*args)

        with connection.execute_wrapper(count):
            response = client.get(path)
        size = len(response.content)
        samples: list[float] = []
        gc.collect()
        for _ in range(repeats):
            begin = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings.append(
            {
                "label": label,
                "path": path.replace(draft_uuid, "<draft>").replace(code, "<code>"),
                "p50": statistics.median(samples),
                "p95": _percentile(samples, 0.95),
                "queries": queries,
                "size_kb": size / 1024,
            }
        )
    return {"load_seconds": load_seconds, "timings": timings}


def _table(runs: dict[str, Run]) -> str:
    names = list(runs)
    header = "| page | path | " + " | ".join(f"{name} p50 / p95 | {name} queries" for name in names) + " | HTML |"
    lines = [header, "|---|---|" + "---|---|" * len(names) + "---|"]
    first = runs[names[0]]["timings"]
    for i, timing in enumerate(first):
        cells = []
        for name in names:
            t = runs[name]["timings"][i]
            cells.append(f"{t['p50']:.1f} / {t['p95']:.1f} ms | {t['queries']}")
        lines.append(
            f"| {timing['label']} | `{timing['path']}` | " + " | ".join(cells) + f" | {timing['size_kb']:.0f} KB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the figures to docs/performance.md")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_PAGES_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import json

        print(json.dumps(child(args.repeats)))
        return

    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-pages-") as tmp:
        sqlite_env = bench_env(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", str(Path(tmp) / "sqlite"))
        runs["SQLite"] = run_child(sqlite_env, "bench.portal_pages", "--child", "--repeats", str(args.repeats))
        if not args.sqlite_only:
            with throwaway_postgres(args.postgres) as url:
                pg_env = bench_env(url, str(Path(tmp) / "postgres"))
                runs["PostgreSQL"] = run_child(pg_env, "bench.portal_pages", "--child", "--repeats", str(args.repeats))

    slowest = max((t for run in runs.values() for t in run["timings"]), key=lambda t: t["p95"])
    loads = "; ".join(f"{name} {run['load_seconds']:.0f} s" for name, run in runs.items())
    body = (
        f"Demo data set (`load-reference-data` + `load-demo`: 1,316 procedures, 14 dossiers in every state). "
        f"Each page {args.repeats} × after {WARMUP} warm-up requests, through Django's test Client in process "
        "(middleware, session, queries, template; DEBUG off, static manifest). *queries*: SQL queries of one "
        "request, the session's included.\n\n"
        f"{_table(runs)}\n\n"
        f"Slowest page at p95: {slowest['label']}, {slowest['p95']:.1f} ms. Loading the data set took {loads}."
    )
    print(body)
    if args.write:
        write_section("portal-pages", "python -m bench.portal_pages --write", body)


if __name__ == "__main__":
    main()
