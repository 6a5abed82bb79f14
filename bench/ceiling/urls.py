"""The product's URLs plus /bench/ceiling/rows (POST) and /bench/ceiling/rows/<key> (GET)."""

from django.urls import URLPattern, URLResolver, path

from bench.ceiling import views
from motcua.config.urls import urlpatterns as product_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/ceiling/rows", views.CeilingRowCreateApi.as_view()),
    path("bench/ceiling/rows/<str:key>", views.CeilingRowDetailApi.as_view()),
    *product_urlpatterns,
]
