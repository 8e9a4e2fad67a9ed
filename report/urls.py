from django.urls import path

from report.views import backup, overview, refi_qda, report

app_name = "report"

urlpatterns = [
    path("r/<slug:slug>/", overview.overview, name="overview"),
    path("r/<slug:slug>/ranking/", overview.ranking_settings, name="ranking_settings"),
    path("r/<slug:slug>/screening/stop/", overview.screening_stop_view, name="screening_stop"),
    path("r/<slug:slug>/screening/resume/", overview.screening_resume_view, name="screening_resume"),
    path("r/<slug:slug>/coding/export.qdpx", refi_qda.qdpx_download, name="qdpx"),
    path("r/<slug:slug>/report/", report.report_page, name="report"),
    path("r/<slug:slug>/report/prisma.<str:fmt>", report.prisma_download, name="prisma"),
    path("r/<slug:slug>/report/workbook.xlsx", report.workbook, name="workbook"),
    path("r/<slug:slug>/report/other-methods/", report.other_methods, name="other_methods"),
    path("r/<slug:slug>/report/decision-history.csv", report.decision_history, name="decision_history"),
    path("r/<slug:slug>/download/<str:which>.<str:fmt>", report.records_download, name="records_download"),
    path("r/<slug:slug>/backup.zip", backup.review_archive, name="backup"),
]
