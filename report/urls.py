from django.urls import path

from report import views

app_name = "report"

urlpatterns = [
    path("r/<slug:slug>/", views.overview, name="overview"),
]
