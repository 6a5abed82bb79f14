"""The document storage and upload settings (config/settings.py, docs/operations/configuration.md):
validated at start-up, and in step with the upload rules of motcua.documents.uploads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from motcua.config import settings as config_module
from motcua.documents.uploads import ACCEPTABLE_TYPES


def test_the_types_the_settings_accept_are_those_with_a_structural_check() -> None:
    assert config_module._DOCUMENT_TYPES == ACCEPTABLE_TYPES
    assert config_module.STORAGES["documents"] == {
        "BACKEND": "motcua.documents.storage.DocumentFileSystemStorage",
        "OPTIONS": {"location": config_module.DOCUMENTS_ROOT},
    }
    # Outside MEDIA_ROOT: nothing serves documents as static or media files.
    assert config_module.MEDIA_ROOT not in (config_module.DOCUMENTS_ROOT, *config_module.DOCUMENTS_ROOT.parents)


def _settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SECRET_KEY": "x", "MOTCUA_VAR_DIR": str(tmp_path), **env}
    for name in ("DOCUMENTS_STORAGE", "DOCUMENTS_S3_BUCKET", "DOCUMENTS_ALLOWED_TYPES"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", "import motcua.config.settings"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_bad_document_settings_stop_the_start(tmp_path: Path) -> None:
    assert "DOCUMENTS_STORAGE must be one of" in _settings_with(tmp_path, DOCUMENTS_STORAGE="ftp").stderr
    refused = _settings_with(tmp_path, DOCUMENTS_ALLOWED_TYPES="pdf,exe")
    assert "DOCUMENTS_ALLOWED_TYPES must be among pdf, jpeg, png, tiff, webp" in refused.stderr
    assert _settings_with(tmp_path, DOCUMENTS_ALLOWED_TYPES="pdf,tiff").returncode == 0


def test_an_s3_storage_needs_django_storages_and_a_bucket(tmp_path: Path) -> None:
    result = _settings_with(tmp_path, DOCUMENTS_STORAGE="s3", DOCUMENTS_S3_BUCKET="motcua")
    try:
        import storages  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        assert result.returncode != 0
        assert "DOCUMENTS_STORAGE=s3 needs django-storages" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert "needs DOCUMENTS_S3_BUCKET" in _settings_with(tmp_path, DOCUMENTS_STORAGE="s3").stderr
