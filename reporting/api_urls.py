"""REST API v1 routes of the reporting app (see reporting.api)."""
from django.urls import path

from reporting import api

urlpatterns = [
    path("reports/coordination/", api.CoordinationReportApi.as_view(), name="api-reports-coordination"),
    path("reports/monthly/", api.MonthlyReportListApi.as_view(), name="api-reports-monthly"),
    path("reports/monthly/<int:pk>/<str:ext>/", api.MonthlyReportDownloadApi.as_view(), name="api-reports-monthly-download"),
]
