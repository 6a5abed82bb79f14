"""What the stand-in provider remembers: authorization codes and the access tokens issued for them.

Only SHA-256 hashes of codes and tokens are stored, as a real provider would. A code is redeemed
once (RFC 6749 §4.1.2); its `redeemed_at` is the one field ever set after creation, by a
compare-and-set, and a token's `revoked_at` is set when its code is presented a second time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthorizationCode(models.Model):
    code_hash = models.CharField(_("hash of the code"), max_length=64, unique=True)
    client_id = models.CharField(_("client"), max_length=200)
    redirect_uri = models.CharField(_("redirect URI"), max_length=2000)
    scope = models.CharField(_("scope"), max_length=500)
    nonce = models.CharField(_("nonce"), max_length=255, blank=True)
    code_challenge = models.CharField(_("PKCE code challenge"), max_length=128)
    identity_key = models.CharField(_("demo identity"), max_length=64)
    acr = models.CharField(_("authentication context (acr)"), max_length=100)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("authorization code")
        verbose_name_plural = _("authorization codes")

    def __str__(self) -> str:
        return f"{self.identity_key} → {self.client_id} @ {self.issued_at:%Y-%m-%d %H:%M:%S}"


class AccessToken(models.Model):
    token_hash = models.CharField(_("hash of the token"), max_length=64, unique=True)
    code = models.ForeignKey(
        AuthorizationCode, verbose_name=_("authorization code"), on_delete=models.CASCADE, related_name="access_tokens"
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.code} (token {self.pk})"
