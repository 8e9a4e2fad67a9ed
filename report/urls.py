from django.urls import path

from report.views import overview

app_name = "report"

urlpatterns = [
    path("r/<slug:slug>/", overview.overview, name="overview"),
]
