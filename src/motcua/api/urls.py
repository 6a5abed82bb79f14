from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView

from motcua.api.v1 import calendar, dossier_documents, dossiers, procedures, results, slips
from motcua.api.v1.verify import VerifyApi

app_name = "api"

# Dossier codes hold dots too (267.40.01.X79-260212-0001); before receipt a dossier goes by its UUID.
_dossier_actions: list[URLPattern] = [
    path(f"v1/dossiers/<str:code>/actions/{view.action}", view.as_view(), name=f"dossier-{view.action}")
    for view in dossiers.ACTION_VIEWS
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/calendar/due-date", calendar.DueDateApi.as_view(), name="calendar-due-date"),
    path("v1/verify", VerifyApi.as_view(), name="verify"),
    path("v1/procedures", procedures.ProcedureListApi.as_view(), name="procedure-list"),
    # Codes hold dots (1.001193, 1.000948.H38): any segment without a slash.
    path("v1/procedures/<str:code>", procedures.ProcedureDetailApi.as_view(), name="procedure-detail"),
    path("v1/dossiers", dossiers.DossierListCreateApi.as_view(), name="dossier-list"),
    path("v1/submissions/<uuid:submission_id>", dossiers.SubmissionDetailApi.as_view(), name="submission-detail"),
    path("v1/dossiers/<str:code>", dossiers.DossierDetailApi.as_view(), name="dossier-detail"),
    path("v1/dossiers/<str:code>/status", dossiers.DossierStatusApi.as_view(), name="dossier-status"),
    *_dossier_actions,
    # Any other action: 404 unknown_action (after authentication), not the generic page-not-found.
    path(
        "v1/dossiers/<str:code>/actions/<str:action>",
        dossiers.DossierUnknownActionApi.as_view(),
        name="dossier-unknown-action",
    ),
    path("v1/dossiers/<str:code>/slips", slips.DossierSlipListApi.as_view(), name="dossier-slip-list"),
    path("v1/dossiers/<str:code>/slips/<str:kind>", slips.DossierSlipApi.as_view(), name="dossier-slip"),
    path("v1/dossiers/<str:code>/documents", dossier_documents.DossierDocumentsApi.as_view(), name="dossier-documents"),
    path(
        "v1/dossiers/<str:code>/documents/<str:file_uuid>/file",
        dossier_documents.DossierDocumentFileApi.as_view(),
        name="dossier-document-file",
    ),
    path(
        "v1/dossiers/<str:code>/results/<str:result_code>/issue",
        results.DossierResultIssueApi.as_view(),
        name="dossier-result-issue",
    ),
    path(
        "v1/dossiers/<str:code>/results/<str:result_code>/file",
        results.DossierResultFileApi.as_view(),
        name="dossier-result-file",
    ),
]
