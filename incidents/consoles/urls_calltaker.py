"""Console pages: calltaker."""
from django.urls import path

from incidents.consoles.calltaker import call_taker_console

urlpatterns = [
    path("console/call-taker/", call_taker_console, name="console-call-taker"),
]
