"""Signing throughput (results per second, one worker) and verification time per document (issue #5).

A one-page A4 result rendered by WeasyPrint is signed again and again with an agency's key from the
development CA (RSA 2048, PKCS#12), through documents.signing.pdf_sign: PAdES B-B, and B-T with the
local timestamp authority stand-in over loopback. Each signed document is then checked by
documents.verification.pdf_verify (trust roots, difference analysis, no revocation fetching). One
process, one thread: a worker's rate; workers scale with cores since nothing is shared.

    SECRET_KEY=x .venv/bin/python -m bench.signing [--write] [--n N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

from bench._report import write_section

N_SIGN = 100
N_SIGN_BT = 30
N_VERIFY = 100

RESULT_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 2cm } body { font-family: "Be Vietnam Pro", sans-serif; font-size: 12pt }
</style></head><body><p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>
<h1>TRÍCH LỤC KHAI SINH</h1><p>Họ, chữ đệm, tên: Nguyễn Văn An</p><p>Ngày sinh: 12/03/2026</p>
<p>Nơi đăng ký: Ủy ban nhân dân phường Sài Gòn, Thành phố Hồ Chí Minh</p></body></html>"""


class Timings(TypedDict):
    n: int
    total: float
    p50: float
    p95: float


def _timed(n: int, work: Callable[[], object]) -> Timings:
    durations = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        work()
        durations.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    durations.sort()
    return {"n": n, "total": total, "p50": statistics.median(durations), "p95": durations[int(0.95 * (n - 1))]}


def run(n: int) -> str:
    load = os.getloadavg()[0]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    tmp = tempfile.TemporaryDirectory(prefix="motcua-bench-signing-")
    os.environ["MOTCUA_VAR_DIR"] = tmp.name
    import logging

    import django

    django.setup()
    logging.getLogger("motcua.documents.tsa_standin").setLevel(logging.WARNING)  # one line per request
    import weasyprint  # type: ignore[import-untyped]
    from django.conf import settings

    from motcua.agencies.models import Agency
    from motcua.documents.models import SigningKey
    from motcua.documents.pki import (
        dev_root_ensure,
        dev_signing_certificate_issue,
        dev_tsa_ensure,
        fingerprint,
        passphrase_read,
        pkcs12_load,
    )
    from motcua.documents.signing import pdf_sign
    from motcua.documents.tsa_standin import tsa_running
    from motcua.documents.verification import Verdict, pdf_verify

    directory = Path(tmp.name) / "pki"
    settings.SIGNING_PKI_DIR = directory
    settings.SIGNATURE_TRUST_DEV_CA = True
    settings.SIGNATURE_TRUST_ROOTS = []
    settings.TSA_URL = ""
    root, _created = dev_root_ensure(directory=directory)
    files = dev_signing_certificate_issue(
        root=root, agency_code="267.40.00.X79", agency_name="Ủy ban nhân dân phường Sài Gòn"
    )
    material = pkcs12_load(data=files.pkcs12_path.read_bytes(), passphrase=passphrase_read(files.passphrase_source))
    # The key as signing_key_import registers it; kept in memory, since signing reads no table.
    agency = Agency(code="267.40.00.X79", name="Ủy ban nhân dân phường Sài Gòn")
    key = SigningKey(
        pk=1,
        agency=agency,
        label="bench",
        key_source=str(files.pkcs12_path),
        passphrase_source=files.passphrase_source,
        fingerprint_sha256=fingerprint(material.certificate),
        valid_from=material.certificate.not_valid_before_utc,
        valid_until=material.certificate.not_valid_after_utc,
    )
    pdf: bytes = weasyprint.HTML(string=RESULT_HTML).write_pdf()

    def sign() -> bytes:
        return pdf_sign(
            pdf=pdf,
            key=key,
            signer_name="Phạm Quốc Dũng",
            signer_role="Chủ tịch",
            reason="Ký kết quả giải quyết thủ tục hành chính",
            location="Phường Sài Gòn",
        )

    t0 = time.perf_counter()
    signed = sign()  # opens the PKCS#12 file and parses the font: the first result of a worker
    cold = time.perf_counter() - t0
    signing = _timed(n, sign)

    with tsa_running(tsa=dev_tsa_ensure(root=root)) as url:
        settings.TSA_URL = url
        signed_bt = sign()
        signing_bt = _timed(max(n * N_SIGN_BT // N_SIGN, 5), sign)
        settings.TSA_URL = ""

    for document in (signed, signed_bt):
        if pdf_verify(pdf=document).verdict != Verdict.VALID:
            sys.exit("a signed document does not verify: the benchmark is void")
    verifying = _timed(n, lambda: pdf_verify(pdf=signed))
    verifying_bt = _timed(n, lambda: pdf_verify(pdf=signed_bt))
    tmp.cleanup()

    def row(what: str, t: Timings, rate: str) -> str:
        return f"| {what} | {t['n']} | {t['p50'] * 1000:.0f} ms | {t['p95'] * 1000:.0f} ms | {rate} |"

    rows = [
        "| measure | documents | p50 | p95 | rate (one worker) |",
        "|---|---|---|---|---|",
        row("sign, PAdES B-B, visible stamp", signing, f"**{signing['n'] / signing['total']:.1f} results/s**"),
        row(
            "sign, PAdES B-T (timestamp stand-in on loopback)",
            signing_bt,
            f"{signing_bt['n'] / signing_bt['total']:.1f} results/s",
        ),
        row("verify a B-B result", verifying, f"{verifying['n'] / verifying['total']:.0f} documents/s"),
        row("verify a B-T result", verifying_bt, f"{verifying_bt['n'] / verifying_bt['total']:.0f} documents/s"),
    ]
    return (
        "\n".join(rows)
        + f"\n\nFirst signature of a worker (opens the PKCS#12 file, parses the font): {cold * 1000:.0f} ms. "
        f"Document: one A4 page, {len(pdf):,} bytes before signing, {len(signed):,} after (B-B), "
        f"{len(signed_bt):,} (B-T). Key: RSA 2048 from the development CA; every signed document "
        f"verified as valid before timing. Load average of the machine when the run started: {load:.1f} "
        f"(on {os.cpu_count()} cores; other work shares them)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the figures to docs/performance.md")
    parser.add_argument("--n", type=int, default=N_SIGN, help=f"documents per measure (default {N_SIGN})")
    args = parser.parse_args()
    body = run(args.n)
    print(body)
    if args.write:
        write_section("signing", "python -m bench.signing --write", body)


if __name__ == "__main__":
    main()
