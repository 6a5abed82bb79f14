from django.urls import path

from motcua.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.health_view, name="health"),
    path("thu-tuc/", views.procedure_list_view, name="procedure_list"),
    path("thu-tuc/<str:code>/", views.procedure_detail_view, name="procedure_detail"),
]
