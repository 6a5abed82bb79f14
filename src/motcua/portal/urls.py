from django.urls import path

from motcua.portal import auth, views
from motcua.portal.verify import verify_view

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.health_view, name="health"),
    path("thu-tuc/", views.procedure_list_view, name="procedure_list"),
    path("thu-tuc/<str:code>/", views.procedure_detail_view, name="procedure_detail"),
    path("xac-minh/", verify_view, name="verify"),
    path("dang-nhap/", auth.sign_in_view, name="sign_in"),
    path("dang-nhap/callback/", auth.sign_in_callback_view, name="sign_in_callback"),
    path("dang-xuat/", auth.sign_out_view, name="sign_out"),
    path("tai-khoan/", auth.account_view, name="account"),
]
