from django.urls import path

from motcua.portal import apply, auth, inbox, lookup, tracking, views
from motcua.portal.verify import verify_view

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.health_view, name="health"),
    path("thu-tuc/", views.procedure_list_view, name="procedure_list"),
    path("thu-tuc/<str:code>/", views.procedure_detail_view, name="procedure_detail"),
    path("thu-tuc/<str:code>/nop-ho-so/", apply.apply_start_view, name="apply_start"),
    path("ho-so-nhap/", apply.drafts_view, name="drafts"),
    path("ho-so-nhap/<str:draft_uuid>/", apply.draft_view, name="draft"),
    path("ho-so-nhap/<str:draft_uuid>/thiet-lap/", apply.draft_setup_view, name="draft_setup"),
    path("ho-so-nhap/<str:draft_uuid>/tep/<str:key>/", apply.draft_file_view, name="draft_file"),
    path("ho-so-nhap/<str:draft_uuid>/xem-lai/", apply.draft_review_view, name="draft_review"),
    path("ho-so-nhap/<str:draft_uuid>/da-nop/", apply.draft_submitted_view, name="draft_submitted"),
    path("ho-so-nhap/<str:draft_uuid>/xoa/", apply.draft_discard_view, name="draft_discard"),
    path("xac-minh/", verify_view, name="verify"),
    path("dang-nhap/", auth.sign_in_view, name="sign_in"),
    path("dang-nhap/callback/", auth.sign_in_callback_view, name="sign_in_callback"),
    path("dang-xuat/", auth.sign_out_view, name="sign_out"),
    path("tai-khoan/", auth.account_view, name="account"),
    path("tra-cuu/", lookup.lookup_view, name="lookup"),
    path("thong-bao/", inbox.inbox_view, name="inbox"),
    path("thong-bao/da-doc/", inbox.inbox_mark_read_view, name="inbox_mark_read"),
    path("ho-so-cua-toi/", tracking.my_dossiers_view, name="my_dossiers"),
    path("ho-so-cua-toi/<str:reference>/", tracking.my_dossier_view, name="my_dossier"),
    path("ho-so-cua-toi/<str:reference>/bo-sung/", tracking.my_supplement_view, name="my_dossier_supplement"),
    path("ho-so-cua-toi/<str:reference>/rut-ho-so/", tracking.my_withdraw_view, name="my_dossier_withdraw"),
    path("ho-so-cua-toi/<str:reference>/danh-gia/", tracking.my_rating_view, name="my_dossier_rate"),
    path("ho-so-cua-toi/<str:reference>/giay-to/<str:file_uuid>/", tracking.my_document_view, name="my_dossier_file"),
    path("ho-so-cua-toi/<str:reference>/ket-qua/<str:code>/", tracking.my_result_view, name="my_dossier_result"),
    path("ho-so-cua-toi/<str:reference>/phieu/<str:kind>/", tracking.my_slip_view, name="my_dossier_slip"),
]
