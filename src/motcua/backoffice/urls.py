from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from motcua.backoffice.inbox import inbox_view
from motcua.backoffice.results import result_file_view, result_issue_view
from motcua.backoffice.slips import slip_view
from motcua.backoffice.views import action_view, counter_view, dossier_view, queue_view

app_name = "backoffice"

urlpatterns = [
    path("", queue_view, name="queues"),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(
            template_name="backoffice/login.html",
            redirect_authenticated_user=True,
            next_page=reverse_lazy("backoffice:queues"),
        ),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(next_page=reverse_lazy("backoffice:login")), name="logout"),
    path("thong-bao/", inbox_view, name="inbox"),
    path("quay/", counter_view, name="counter"),
    path("ho-so/<str:code>/", dossier_view, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", action_view, name="action"),
    path("ho-so/<str:code>/phieu/<str:kind>/", slip_view, name="slip"),
    path("ho-so/<str:code>/ket-qua/<str:result_code>/ban-hanh/", result_issue_view, name="result-issue"),
    path("ho-so/<str:code>/ket-qua/<str:result_code>/tep/", result_file_view, name="result-file"),
]
