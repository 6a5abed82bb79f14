"""Mounted at /idp/ by motcua.config.urls only while IDP_STANDIN_ENABLED (see views.standin_enabled too)."""

from django.urls import path

from motcua.idp_standin import views

app_name = "idp_standin"

urlpatterns = [
    path("", views.issuer_view, name="issuer"),
    path(".well-known/openid-configuration", views.discovery_view, name="discovery"),
    path("jwks", views.jwks_view, name="jwks"),
    path("authorize", views.authorize_view, name="authorize"),
    path("token", views.token_view, name="token"),
    path("userinfo", views.userinfo_view, name="userinfo"),
]
