"""The caller's page (issue 24): a short path, because it travels in an SMS."""
from django.urls import path

from incidents.consoles.caller_page import caller_page

urlpatterns = [
    path("c/<str:token>", caller_page, name="caller-page"),
]
