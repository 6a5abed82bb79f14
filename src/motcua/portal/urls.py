from django.urls import path

from motcua.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.health_view, name="health"),
]
