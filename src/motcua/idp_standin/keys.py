"""The stand-in's RS256 signing key: generated once, kept under VAR_DIR, published at /idp/jwks.

The key lives in `<VAR_DIR>/idp-standin/signing-key.pem` (PKCS#8, mode 0600), so that ID tokens stay
verifiable across restarts and across the worker processes of one deployment. The first process to
need it writes it to a temporary file and links it into place, which fails if another process got
there first; every process then reads the same file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Final

from django.conf import settings
from joserfc.jwk import RSAKey

_KEY_BITS: Final = 2048
_lock = threading.Lock()
_loaded: dict[Path, RSAKey] = {}


def key_path() -> Path:
    return Path(settings.VAR_DIR) / "idp-standin" / "signing-key.pem"


def signing_key() -> RSAKey:
    path = key_path()
    with _lock:
        key = _loaded.get(path)
        if key is None:
            key = _read_or_create(path)
            _loaded[path] = key
        return key


def public_jwks() -> dict[str, list[dict[str, object]]]:
    key = signing_key()
    public = dict(key.as_dict(private=False))
    return {"keys": [{**public, "use": "sig", "alg": "RS256", "kid": key.kid}]}


def _read_or_create(path: Path) -> RSAKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        new_key = RSAKey.generate_key(_KEY_BITS, private=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(new_key.as_bytes(private=True))
        try:
            os.link(temporary, path)  # atomic, and refuses to replace a key another process wrote
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = RSAKey.import_key(path.read_bytes())
    key.ensure_kid()  # the RFC 7638 thumbprint: the same kid in every process
    return key
