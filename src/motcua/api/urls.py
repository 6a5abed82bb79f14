from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from motcua.api.v1 import calendar

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/calendar/due-date", calendar.DueDateApi.as_view(), name="calendar-due-date"),
]
