"""Console pages: dispatcher console and the field crew page."""
from django.urls import path

from incidents.consoles.crew import crew_page
from incidents.consoles.dispatcher import dispatcher_console

urlpatterns = [
    path("console/dispatcher/", dispatcher_console, name="console-dispatcher"),
    path("crew/", crew_page, name="crew"),  # the crew role's home (dispatch.views.ROLE_HOME)
]
