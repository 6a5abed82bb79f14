from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from motcua.config import env


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("Off", False), ("no", False), ("", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG", False) is expected


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (lambda: env.env_bool("X_VALUE", False), "maybe", "X_VALUE must be true or false"),
        (lambda: env.env_int("X_VALUE", 1), "ten", "X_VALUE must be an integer"),
        (lambda: env.env_int("X_VALUE", 1, minimum=0), "-3", "X_VALUE must be at least 0"),
        (lambda: env.env_list("X_VALUE", []), "a,,b", "without empty items"),
        (lambda: env.env_choice("X_VALUE", "a", ("a", "b")), "c", "X_VALUE must be one of a, b"),
    ],
)
def test_malformed_values_fail_loudly(monkeypatch: pytest.MonkeyPatch, reader: object, raw: str, message: str) -> None:
    monkeypatch.setenv("X_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        reader()  # type: ignore[operator]


def test_a_secret_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env.env_str("X_SECRET", "default") == "s3cret"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env.env_str("X_SECRET", "default")


def test_database_urls(tmp_path: Path) -> None:
    sqlite = env.parse_database_url("sqlite:///var/db.sqlite3", base_dir=tmp_path)
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert sqlite["NAME"] == tmp_path / "var" / "db.sqlite3"
    absolute = env.parse_database_url("sqlite:////srv/db.sqlite3", base_dir=tmp_path)
    assert absolute["NAME"] == Path("/srv/db.sqlite3")
    pg = env.parse_database_url("postgres://u:p%40ss@db.example:5433/motcua?sslmode=require", base_dir=tmp_path)
    assert (pg["ENGINE"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "django.db.backends.postgresql",
        "u",
        "p@ss",
        "db.example",
        "5433",
        "motcua",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "must start with sqlite:// or postgres://"),
        ("postgres://u@h:notaport/db", "malformed port"),
        ("postgres://u@h:5432/", "names no database"),
        ("sqlite://", "names no SQLite file"),
    ],
)
def test_malformed_database_urls_fail_loudly(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        env.parse_database_url(url, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache", "motcua"),
        ("locmem", "django.core.cache.backends.locmem.LocMemCache", "motcua"),
        ("db", "django.core.cache.backends.db.DatabaseCache", "motcua_cache"),
        ("redis://127.0.0.1:6379/2", "django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/2"),
        (
            "rediss://cache.example:6380/0",
            "django.core.cache.backends.redis.RedisCache",
            "rediss://cache.example:6380/0",
        ),
    ],
)
def test_cache_urls(url: str, backend: str, location: str) -> None:
    assert env.parse_cache_url(url) == {"BACKEND": backend, "LOCATION": location}


@pytest.mark.parametrize("url", ["memcached://h:11211", "redis", "file:///tmp/cache"])
def test_unknown_cache_urls_fail_loudly(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be locmem, db or a redis:// address"):
        env.parse_cache_url(url)


def test_the_process_refuses_to_start_without_a_secret_key_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "motcua.config.settings", "DEBUG": "false", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
