"""Browser pages of the reporting app (the officials' report pages come with the reports issue)."""
from django.urls import path

from reporting import views as report_views
from reporting.board import views as board_views

urlpatterns = [
    path("board/", board_views.board_page, name="board"),
    path("laporan/", report_views.report_page, name="reports"),
]
