from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from motcua.api.v1 import calendar, procedures

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/calendar/due-date", calendar.DueDateApi.as_view(), name="calendar-due-date"),
    path("v1/procedures", procedures.ProcedureListApi.as_view(), name="procedure-list"),
    # Codes hold dots (1.001193, 1.000948.H38): any segment without a slash.
    path("v1/procedures/<str:code>", procedures.ProcedureDetailApi.as_view(), name="procedure-detail"),
]
