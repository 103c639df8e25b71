"""Console pages: calltaker."""
from django.urls import path

from incidents.consoles.calltaker import call_taker_console
from incidents.consoles.offline import service_worker

urlpatterns = [
    path("console/call-taker/", call_taker_console, name="console-call-taker"),
    path("sw.js", service_worker, name="service-worker"),  # root scope: the consoles' offline copy (issue 26)
]
