"""The sign-in settings: stand-in on with DEBUG only, and malformed OIDC_* values stop the start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_PRINT = (
    "import json, motcua.config.settings as s; "
    "print(json.dumps([s.IDP_STANDIN_ENABLED, s.OIDC_CLIENT_ID, s.OIDC_SCOPES, s.OIDC_CLAIMS, s.OIDC_ACR_LEVELS]))"
)


def _settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "IDP_STANDIN_", "DEBUG"))}
    return subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", _PRINT],
        env=clean | {"SECRET_KEY": "x"} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _values(**env: str) -> list[object]:
    result = _settings(**env)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


def test_the_stand_in_is_on_with_debug_only() -> None:
    assert _values(DEBUG="true")[0] is True
    assert _values(DEBUG="false")[0] is False
    assert _values(DEBUG="false", IDP_STANDIN_ENABLED="true")[0] is True


def test_the_defaults_point_at_the_stand_in() -> None:
    _enabled, client_id, scopes, claims, levels = _values(DEBUG="true")
    assert client_id == "motcua-portal"
    assert scopes == ["openid", "profile", "address", "phone", "email", "business"]
    assert claims == {}
    assert levels == {"urn:motcua:idp-standin:level:1": 1, "urn:motcua:idp-standin:level:2": 2}


def test_the_claim_names_and_levels_are_read_from_the_environment() -> None:
    values = _values(OIDC_CLAIMS="personal_id=so_dinh_danh, address=", OIDC_ACR_LEVELS="urn:vneid:2=2")
    assert values[3] == {"personal_id": "so_dinh_danh", "address": ""}
    assert values[4] == {"urn:motcua:idp-standin:level:1": 1, "urn:motcua:idp-standin:level:2": 2, "urn:vneid:2": 2}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OIDC_CLAIMS": "nickname=nick"}, "OIDC_CLAIMS names unknown fields"),
        ({"OIDC_CLAIMS": "personal_id"}, "key=value"),
        ({"OIDC_CLAIMS": "personal_id="}, "cannot unmap personal_id"),
        ({"OIDC_ACR_LEVELS": "urn:x=3"}, "levels other than 1 and 2"),
        ({"OIDC_SCOPES": "profile email"}, "must include openid"),
        ({"OIDC_ISSUER": "https://vneid.example"}, "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set"),
        (
            {"OIDC_ISSUER": "http://vneid.example", "OIDC_CLIENT_ID": "a", "OIDC_CLIENT_SECRET": "b"},
            "must be an https:// URL",
        ),
        ({"OIDC_TOKEN_AUTH_METHOD": "private_key_jwt"}, "OIDC_TOKEN_AUTH_METHOD must be one of"),
    ],
)
def test_a_malformed_setting_stops_the_start_up(env: dict[str, str], message: str) -> None:
    result = _settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
