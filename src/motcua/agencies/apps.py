from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "motcua.agencies"
    label = "agencies"
    verbose_name = _("Agencies")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from motcua.agencies.models import Agency
        from motcua.agencies.selectors import agency_lineage_cache_clear
        from motcua.geo.models import AdministrativeUnit

        def forget(**_kwargs: object) -> None:
            agency_lineage_cache_clear()

        for model in (Agency, AdministrativeUnit):
            post_save.connect(forget, sender=model, dispatch_uid=f"agency_lineage_{model.__name__}_saved", weak=False)
            post_delete.connect(
                forget, sender=model, dispatch_uid=f"agency_lineage_{model.__name__}_deleted", weak=False
            )
