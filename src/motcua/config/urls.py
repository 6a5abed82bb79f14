from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("motcua.api.urls")),
    path("can-bo/", include("motcua.backoffice.urls")),
    path("", include("motcua.portal.urls")),
]
# The identity-provider stand-in (development and tests only; motcua.idp_standin).
if settings.IDP_STANDIN_ENABLED:
    urlpatterns.insert(-1, path("idp/", include("motcua.idp_standin.urls")))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
