"""What the API keeps for itself: the tokens clients authenticate with and the idempotency keys of
the requests they may retry.

Neither is domain data: a token says who is calling (an officer, or a system such as the citizen
portal), an idempotency key says "this is the same request as before" (motcua.api.idempotency).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Officer


class ApiToken(models.Model):
    """A bearer token (`Authorization: Token <key>`). Only the SHA-256 of the key is stored: the key
    is shown once, when it is created (`motcua create-api-token`), and cannot be recovered."""

    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    # The first characters of the key, to tell tokens apart in lists without revealing them.
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
    )
    system_name = models.CharField(
        _("system"),
        max_length=100,
        blank=True,
        help_text=_("For a system rather than an officer, e.g. the citizen portal."),
    )
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(officer__isnull=False) & models.Q(system_name=""))
                | (models.Q(officer__isnull=True) & ~models.Q(system_name="")),
                name="api_token_officer_or_system",
                violation_error_message=_("A token belongs either to an officer or to a system."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.system_name or self.officer_id})"


class IdempotencyKey(models.Model):
    """A request a client may retry: the first response is replayed, and the key never creates twice.

    `client` is who sent it ("officer:<id>" or "system:<name>"), so two clients never collide on a
    key; `request_hash` is the SHA-256 of the method, the path and the canonical JSON body, so the
    same key with another body is refused. Written in the transaction that creates the resource.
    """

    client = models.CharField(_("client"), max_length=150)
    key = models.CharField(_("idempotency key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"), default=dict)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_client_key")]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"
