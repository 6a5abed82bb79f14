from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdpStandinConfig(AppConfig):
    name = "motcua.idp_standin"
    label = "idp_standin"
    verbose_name = _("Identity provider stand-in")
