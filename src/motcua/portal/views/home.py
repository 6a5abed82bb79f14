"""The home page and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from motcua.portal.forms import ProcedureSearchForm


def home_view(request: HttpRequest) -> HttpResponse:
    # Unbound: the home page only offers the search box, which submits to the procedure list.
    return render(request, "portal/home.html", {"form": ProcedureSearchForm()})


def health_view(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
