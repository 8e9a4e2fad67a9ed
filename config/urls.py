from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reviews.views import invitations

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitations/<str:token>/", invitations.invitation_open, name="invitation"),
    path("admin/", admin.site.urls),
    path("", include("reviews.urls")),
    path("", include("screening.urls")),
    path("", include("extraction.urls")),
    path("", include("coding.urls")),
    path("", include("report.urls")),
]
