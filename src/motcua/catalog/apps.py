from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "motcua.catalog"
    label = "catalog"
    verbose_name = _("Procedure catalogue")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from motcua.catalog.models import ChannelOption, Procedure, ProcedureVersion
        from motcua.catalog.selectors import version_cache_clear

        for model in (Procedure, ProcedureVersion, ChannelOption):
            uid = f"version_in_force_{model.__name__}"
            post_save.connect(version_cache_clear, sender=model, dispatch_uid=f"{uid}_saved", weak=False)
            post_delete.connect(version_cache_clear, sender=model, dispatch_uid=f"{uid}_deleted", weak=False)
