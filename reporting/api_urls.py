"""REST API v1 routes of the reporting app (see reporting.api)."""
from django.urls import path

from reporting import api
from reporting.board import api as board_api

urlpatterns = [
    path("board/", board_api.BoardApi.as_view(), name="api-board"),
    path("board/incidents/<int:incident_id>/", board_api.BoardIncidentApi.as_view(), name="api-board-incident"),
    path("reports/coordination/", api.CoordinationReportApi.as_view(), name="api-reports-coordination"),
    path("reports/monthly/", api.MonthlyReportListApi.as_view(), name="api-reports-monthly"),
    path("reports/monthly/<int:pk>/<str:ext>/", api.MonthlyReportDownloadApi.as_view(), name="api-reports-monthly-download"),
]
