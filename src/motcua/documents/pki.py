"""Agencies' signing keys: loading them for signing, registering them, trust roots, a development CA.

Legal basis: an electronic result carries the digital signature of the competent agency and must
ensure integrity, authenticity and non-repudiation (Nghị định 45/2020/NĐ-CP Art 14(3)); a digital
signature is made with an asymmetric key pair certified by a certificate (Luật Giao dịch điện tử
20/2023/QH15; certificate classes in Nghị định 23/2025/NĐ-CP). Hence a signing certificate must be
an end-entity certificate whose key usage allows signing (digitalSignature or nonRepudiation).

Where keys live (`SigningKey.backend`):
- `pkcs12` (the default): `key_source` is the path of a PKCS#12 file; the passphrase comes from
  `passphrase_source`, "env:VARIABLE" or "file:/path/to/secret" (never from the database).
- `pkcs11` (a USB token or an HSM): documented in docs/adr/0007-signatures.md as the path for a real
  CA's token; this build has no PKCS#11 loader and answers `signing_key_unavailable` for such a key.

The development CA (`motcua create-dev-ca`) is for the demo and the tests only: a root whose name
says so, one signing certificate per agency, a timestamping certificate for `motcua tsa-standin`.
Its root is trusted only when SIGNATURE_TRUST_DEV_CA is on (the default when DEBUG is on).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from motcua.agencies.models import Agency
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, InvalidInput, NotFound
from motcua.documents.models import SigningKey

logger = logging.getLogger(__name__)

ENV_PREFIX = "env:"
FILE_PREFIX = "file:"

DEV_ROOT_CERT = "dev-root-ca.pem"
DEV_ROOT_KEY = "dev-root-ca.key.pem"
DEV_TSA_CERT = "dev-tsa.pem"
DEV_TSA_KEY = "dev-tsa.key.pem"
DEV_AGENCIES_DIR = "agencies"
DEV_ROOT_NAME = "motcua development root CA (demo and tests only)"

_ROOT_YEARS = 10
_LEAF_YEARS = 3
# Issued a day back so that a clock a little behind (another machine, a test) still sees it valid.
_BACKDATE = timedelta(days=1)


class SigningKeyUnavailable(DomainError):
    """The key is registered but cannot be used now (file gone, passphrase missing, token absent)."""

    code = "signing_key_unavailable"
    status = 503


class NoSigningKey(NotFound):
    code = "no_signing_key"


class InvalidKeyFile(InvalidInput):
    code = "invalid_key_file"


class CertificateNotForSigning(InvalidInput):
    code = "certificate_not_for_signing"


# -- passphrases ----------------------------------------------------------------------------------------


def passphrase_source_check(source: str) -> None:
    """Refuse a passphrase source that is neither empty, "env:NAME" nor "file:/absolute/path"."""
    if source == "":
        return
    if source.startswith(ENV_PREFIX) and source[len(ENV_PREFIX) :].strip():
        return
    if source.startswith(FILE_PREFIX) and Path(source[len(FILE_PREFIX) :]).is_absolute():
        return
    raise InvalidInput(
        _("Give the passphrase source as env:VARIABLE or file:/absolute/path, not “%(source)s”.") % {"source": source},
        field="passphrase_source",
    )


def passphrase_read(source: str) -> bytes | None:
    """The passphrase that `source` names; None for a key file without one. Raises SigningKeyUnavailable."""
    passphrase_source_check(source)
    if source == "":
        return None
    if source.startswith(ENV_PREFIX):
        name = source[len(ENV_PREFIX) :].strip()
        value = os.environ.get(name)
        if value is None:
            raise SigningKeyUnavailable(
                _("The environment variable %(name)s that holds the key's passphrase is not set.") % {"name": name}
            )
        return value.encode("utf-8")
    path = Path(source[len(FILE_PREFIX) :])
    try:
        # A trailing newline is how editors and `echo` save a secret; it is never part of it.
        return path.read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise SigningKeyUnavailable(_("The passphrase file %(path)s cannot be read.") % {"path": str(path)}) from exc


# -- key material -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    private_key: PrivateKeyTypes
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def pkcs12_load(*, data: bytes, passphrase: bytes | None) -> KeyMaterial:
    """Key, certificate and chain of a PKCS#12 file. Raises InvalidKeyFile (wrong passphrase or not PKCS#12)."""
    try:
        private_key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKeyFile(
            _("The file is not a PKCS#12 key file, or the passphrase is wrong."), field="pkcs12"
        ) from exc
    if private_key is None or certificate is None:
        raise InvalidKeyFile(_("The PKCS#12 file must hold a private key and its certificate."), field="pkcs12")
    return KeyMaterial(private_key=private_key, certificate=certificate, chain=tuple(chain))


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def certificate_check_for_signing(certificate: x509.Certificate, *, at: datetime) -> None:
    """Refuse a CA certificate, one whose key usage does not allow signing, or one not valid at `at`."""
    try:
        basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = basic.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if is_ca:
        raise CertificateNotForSigning(_("This is a certificate authority's certificate, not a signing certificate."))
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        may_sign = usage.digital_signature or usage.content_commitment
    except x509.ExtensionNotFound:
        may_sign = True  # no restriction stated (RFC 5280 §4.2.1.3)
    if not may_sign:
        raise CertificateNotForSigning(
            _("The certificate's key usage allows neither digital signature nor non-repudiation.")
        )
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise CertificateNotForSigning(
            _("The certificate is valid from %(start)s to %(end)s, not now.")
            % {"start": certificate.not_valid_before_utc.date(), "end": certificate.not_valid_after_utc.date()}
        )


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class _KeySigner(SimpleSigner):
    """pyHanko's SimpleSigner, keeping the parsed private key.

    SimpleSigner re-parses the DER key on every signature (twice per PDF: a dry run sizes the
    signature field), which costs 0.1 s for an RSA key; signing here reuses the parsed key.
    """

    def __init__(self, material: KeyMaterial) -> None:
        registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        registry.register_multiple([_to_asn1(c) for c in material.chain])
        der_key = material.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        super().__init__(
            signing_cert=_to_asn1(material.certificate),
            signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
            cert_registry=registry,
        )
        self._private_key = material.private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        signature: bytes = super().sign_raw(data, digest_algorithm)
        return signature


_signers: dict[tuple[int, str, str, int], _KeySigner] = {}
_signers_lock = threading.Lock()


def signer_for(key: SigningKey) -> SimpleSigner:
    """A pyHanko signer holding the key's private key, cached per process until the key file changes.

    Raises SigningKeyUnavailable when the file, the passphrase or the token cannot be used, or when
    the file no longer holds the registered certificate.
    """
    if key.backend != SigningKey.Backend.PKCS12:
        raise SigningKeyUnavailable(
            _("Keys on a PKCS#11 token or HSM are not supported by this installation; see ADR 0007.")
        )
    path = Path(key.key_source)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise SigningKeyUnavailable(_("The key file %(path)s cannot be found.") % {"path": str(path)}) from exc
    cache_key = (key.pk, key.fingerprint_sha256, str(path), stamp)
    with _signers_lock:
        cached = _signers.get(cache_key)
    if cached is not None:
        return cached
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyUnavailable(_("The key file %(path)s cannot be read.") % {"path": str(path)}) from exc
    try:
        material = pkcs12_load(data=data, passphrase=passphrase_read(key.passphrase_source))
    except InvalidKeyFile as exc:
        raise SigningKeyUnavailable(
            _("The key file %(path)s cannot be opened with its passphrase.") % {"path": str(path)}
        ) from exc
    if fingerprint(material.certificate) != key.fingerprint_sha256:
        raise SigningKeyUnavailable(
            _("The key file %(path)s no longer holds the registered certificate.") % {"path": str(path)}
        )
    signer = _KeySigner(material)
    with _signers_lock:
        for stale in [k for k in _signers if k[0] == key.pk]:
            del _signers[stale]
        _signers[cache_key] = signer
    return signer


# -- registering keys (services) and finding them (selectors) ------------------------------------------


def _name_text(name: x509.Name) -> str:
    return name.rfc4514_string()[:500]


@transaction.atomic
def signing_key_import(
    *, agency: Agency, pkcs12_path: Path, passphrase_source: str, label: str = ""
) -> tuple[SigningKey, bool]:
    """Register the certificate of a PKCS#12 file as a signing key of `agency`; (key, created).

    The file stays where it is (the database holds its path, never the key). The passphrase must
    open it now and the certificate must be fit for signing (certificate_check_for_signing).
    Importing the same certificate again for the same agency returns the registered key (with
    the file and passphrase source updated); for another agency it raises Conflict.
    """
    passphrase_source_check(passphrase_source)
    path = pkcs12_path.resolve()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidKeyFile(_("The file %(path)s cannot be read.") % {"path": str(path)}, field="pkcs12") from exc
    try:
        passphrase = passphrase_read(passphrase_source)
    except SigningKeyUnavailable as exc:
        raise InvalidInput(exc.message, field="passphrase_source") from exc
    material = pkcs12_load(data=data, passphrase=passphrase)
    certificate = material.certificate
    certificate_check_for_signing(certificate, at=clock.now())
    digest = fingerprint(certificate)
    existing = SigningKey.objects.select_for_update().filter(fingerprint_sha256=digest).first()
    if existing is not None:
        if existing.agency_id != agency.pk:
            raise Conflict(
                _("This certificate is already registered for another agency (%(code)s).")
                % {"code": existing.agency.code}
            )
        existing.key_source = str(path)
        existing.passphrase_source = passphrase_source
        existing.backend = SigningKey.Backend.PKCS12
        existing.save(update_fields=["key_source", "passphrase_source", "backend"])
        return existing, False
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    subject_cn = str(common_names[0].value) if common_names else agency.name
    key = SigningKey.objects.create(
        agency=agency,
        label=(label or f"{agency.code} – {subject_cn}")[:255],
        backend=SigningKey.Backend.PKCS12,
        key_source=str(path),
        passphrase_source=passphrase_source,
        certificate_pem=_pem(certificate),
        chain_pem="".join(_pem(c) for c in material.chain),
        subject=_name_text(certificate.subject),
        issuer=_name_text(certificate.issuer),
        serial_number=format(certificate.serial_number, "x"),
        fingerprint_sha256=digest,
        valid_from=certificate.not_valid_before_utc,
        valid_until=certificate.not_valid_after_utc,
    )
    return key, True


def signing_key_for_agency(*, agency: Agency, at: datetime | None = None) -> SigningKey:
    """The agency's key to sign with at `at` (now): in use and valid then, the longest-lived first.

    Raises NoSigningKey when the agency has none.
    """
    moment = at or clock.now()
    key = (
        SigningKey.objects.select_related("agency")
        .filter(agency=agency, is_active=True, valid_from__lte=moment, valid_until__gt=moment)
        .order_by("-valid_until", "-pk")
        .first()
    )
    if key is None:
        raise NoSigningKey(
            _("%(agency)s has no signing certificate in use; an administrator must import one.")
            % {"agency": agency.name}
        )
    return key


# -- trust roots ---------------------------------------------------------------------------------------------


def _certificates_in(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


_roots_cache: dict[tuple[tuple[str, int], ...], tuple[x509.Certificate, ...]] = {}


def trust_root_paths() -> list[Path]:
    """SIGNATURE_TRUST_ROOTS, plus the development root when SIGNATURE_TRUST_DEV_CA is on and it exists."""
    paths = [Path(p) for p in settings.SIGNATURE_TRUST_ROOTS]
    dev_root = Path(settings.SIGNING_PKI_DIR) / DEV_ROOT_CERT
    if settings.SIGNATURE_TRUST_DEV_CA and dev_root.exists():
        paths.append(dev_root)
    return paths


def trust_roots() -> tuple[x509.Certificate, ...]:
    """The certificates a signature must chain to, to be trusted. ImproperlyConfigured on a bad file."""
    paths = trust_root_paths()
    stamps: list[tuple[str, int]] = []
    for path in paths:
        try:
            stamps.append((str(path), path.stat().st_mtime_ns))
        except OSError as exc:
            raise ImproperlyConfigured(f"SIGNATURE_TRUST_ROOTS: {path} cannot be read: {exc}") from exc
    cache_key = tuple(stamps)
    cached = _roots_cache.get(cache_key)
    if cached is not None:
        return cached
    roots: list[x509.Certificate] = []
    for path in paths:
        try:
            roots.extend(_certificates_in(path))
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(f"SIGNATURE_TRUST_ROOTS: {path} holds no readable certificate: {exc}") from exc
    result = tuple(roots)
    _roots_cache.clear()
    _roots_cache[cache_key] = result
    return result


# -- the development certificate authority -------------------------------------------------------------------


def _write_secret(path: Path, data: bytes) -> None:
    """Write a file only its owner may read (private keys, passphrases)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _key_usage(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True, slots=True)
class DevRoot:
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    directory: Path

    @property
    def certificate_path(self) -> Path:
        return self.directory / DEV_ROOT_CERT


def dev_root_ensure(*, directory: Path) -> tuple[DevRoot, bool]:
    """The development root CA in `directory`, created when absent; (root, created)."""
    cert_path, key_path = directory / DEV_ROOT_CERT, directory / DEV_ROOT_KEY
    if cert_path.exists() and key_path.exists():
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        private_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ImproperlyConfigured(f"{key_path} is not the RSA key of the development CA")
        return DevRoot(certificate=certificate, private_key=private_key, directory=directory), False
    if cert_path.exists() or key_path.exists():
        raise ImproperlyConfigured(
            f"{directory} holds half a development CA (certificate or key missing): remove both files"
        )
    now = clock.now()
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = _name(DEV_ROOT_NAME, "motcua")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + timedelta(days=365 * _ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
        .sign(private_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    _write_secret(
        key_path,
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return DevRoot(certificate=certificate, private_key=private_key, directory=directory), True


def _issue(
    root: DevRoot, *, subject: x509.Name, years: int, usage: x509.KeyUsage, extended: Sequence[x509.ObjectIdentifier]
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    now = clock.now()
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root.certificate.subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(min(now + timedelta(days=365 * years), root.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.private_key.public_key()), critical=False
        )
    )
    if extended:
        # RFC 3161 §2.3: a TSA certificate has exactly the timeStamping purpose, marked critical.
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(extended)), critical=True)
    return builder.sign(root.private_key, hashes.SHA256()), private_key


@dataclass(frozen=True, slots=True)
class DevKeyFiles:
    pkcs12_path: Path
    passphrase_source: str


def dev_signing_certificate_issue(*, root: DevRoot, agency_code: str, agency_name: str) -> DevKeyFiles:
    """A signing certificate for one agency (CN and O: its Vietnamese name, C=VN) in a new PKCS#12 file.

    The file's passphrase is random and kept next to it (mode 600), named by a "file:" source.
    """
    certificate, private_key = _issue(
        root, subject=_name(agency_name, agency_name), years=_LEAF_YEARS, usage=_key_usage(sign=True), extended=()
    )
    passphrase = os.urandom(24).hex()
    stem = root.directory / DEV_AGENCIES_DIR / f"{agency_code}-{fingerprint(certificate)[:12]}"
    # Not with_suffix: agency codes hold dots (267.40.03.X79), which it would take for a suffix.
    p12_path, pass_path = stem.with_name(f"{stem.name}.p12"), stem.with_name(f"{stem.name}.pass")
    _write_secret(pass_path, passphrase.encode("ascii") + b"\n")
    _write_secret(
        p12_path,
        pkcs12.serialize_key_and_certificates(
            agency_name.encode("utf-8"),
            private_key,
            certificate,
            [root.certificate],
            serialization.BestAvailableEncryption(passphrase.encode("ascii")),
        ),
    )
    return DevKeyFiles(pkcs12_path=p12_path, passphrase_source=f"{FILE_PREFIX}{pass_path}")


@dataclass(frozen=True, slots=True)
class TsaKey:
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    chain: tuple[x509.Certificate, ...]


def dev_tsa_ensure(*, root: DevRoot) -> TsaKey:
    """The timestamping certificate of the development CA (for `motcua tsa-standin`), created when absent."""
    cert_path, key_path = root.directory / DEV_TSA_CERT, root.directory / DEV_TSA_KEY
    if cert_path.exists() and key_path.exists():
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        private_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ImproperlyConfigured(f"{key_path} is not an RSA key")
        return TsaKey(certificate=certificate, private_key=private_key, chain=(root.certificate,))
    certificate, private_key = _issue(
        root,
        subject=_name("motcua development timestamping authority", "motcua"),
        years=_LEAF_YEARS,
        usage=_key_usage(sign=True),
        extended=[ExtendedKeyUsageOID.TIME_STAMPING],
    )
    _write_secret(
        key_path,
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return TsaKey(certificate=certificate, private_key=private_key, chain=(root.certificate,))


@dataclass(slots=True)
class DevCaOutcome:
    root_path: Path
    root_created: bool
    created: list[SigningKey] = field(default_factory=list)
    kept: list[SigningKey] = field(default_factory=list)


def _dev_key_usable(key: SigningKey, directory: Path) -> bool:
    path = Path(key.key_source)
    return path.is_relative_to(directory) and path.exists()


def dev_ca_create(*, directory: Path, agencies: Iterable[Agency]) -> DevCaOutcome:
    """The development CA in `directory` and a registered signing key for each agency; idempotent.

    An agency that already has a usable key issued here keeps it; the others get a new
    certificate. Also creates the timestamping certificate of `motcua tsa-standin`.
    """
    directory = directory.resolve()
    root, root_created = dev_root_ensure(directory=directory)
    dev_tsa_ensure(root=root)
    outcome = DevCaOutcome(root_path=root.certificate_path, root_created=root_created)
    issuer = _name_text(root.certificate.subject)
    now = clock.now()
    for agency in agencies:
        existing = [
            key
            for key in SigningKey.objects.filter(agency=agency, is_active=True, issuer=issuer, valid_until__gt=now)
            if _dev_key_usable(key, directory)
        ]
        if existing:
            outcome.kept.append(existing[0])
            continue
        files = dev_signing_certificate_issue(root=root, agency_code=agency.code, agency_name=agency.name)
        key, _created = signing_key_import(
            agency=agency,
            pkcs12_path=files.pkcs12_path,
            passphrase_source=files.passphrase_source,
            label=f"{agency.code} – development certificate",
        )
        outcome.created.append(key)
    return outcome
