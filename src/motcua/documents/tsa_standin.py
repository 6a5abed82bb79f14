"""A local stand-in for an RFC 3161 timestamp authority, for the demo and the tests of PAdES B-T.

It answers `application/timestamp-query` POSTs with tokens signed by the development CA's
timestamping certificate (pki.dev_tsa_ensure), through pyHanko's DummyTimeStamper. It is not a
trust service: a real deployment sets TSA_URL to a licensed provider's authority (Nghị định
23/2025/NĐ-CP lists timestamping among trust services). `motcua tsa-standin --port N` runs it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from motcua.documents.pki import TsaKey

logger = logging.getLogger(__name__)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
# A request is a hash and a nonce: a few hundred bytes. Anything much larger is not one.
MAX_REQUEST_BYTES = 16 * 1024


def timestamper_of(tsa: TsaKey) -> DummyTimeStamper:
    der_key = tsa.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa.certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
        certs_to_embed=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in tsa.chain]
        ),
    )


class _Handler(BaseHTTPRequestHandler):
    timestamper: DummyTimeStamper

    def do_POST(self) -> None:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != QUERY_TYPE:
            self._plain(415, f"send {QUERY_TYPE}")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._plain(411, "Content-Length required")
            return
        if not 0 < length <= MAX_REQUEST_BYTES:
            self._plain(413, "not a timestamp request")
            return
        body = self.rfile.read(length)
        try:
            request = tsp.TimeStampReq.load(body)
            reply = self.timestamper.request_tsa_response(request).dump()
        except (ValueError, KeyError, TypeError) as exc:
            self._plain(400, f"malformed timestamp request: {exc}")
            return
        self.send_response(200)
        self.send_header("Content-Type", REPLY_TYPE)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def _plain(self, status: int, message: str) -> None:
        data = message.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        logger.info("tsa-standin %s " + format, self.address_string(), *args)


def tsa_server(*, tsa: TsaKey, host: str, port: int) -> ThreadingHTTPServer:
    """The stand-in bound to host:port (port 0: any free port), not yet serving."""
    handler = type("TsaHandler", (_Handler,), {"timestamper": timestamper_of(tsa)})
    return ThreadingHTTPServer((host, port), handler)


@contextmanager
def tsa_running(*, tsa: TsaKey, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve in a background thread for the duration of the block; yields the URL (tests, benchmarks)."""
    server = tsa_server(tsa=tsa, host=host, port=port)
    thread = threading.Thread(target=server.serve_forever, name="tsa-standin", daemon=True)
    thread.start()
    try:
        bound_host, bound_port = server.server_address[:2]
        yield f"http://{bound_host!s}:{bound_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
