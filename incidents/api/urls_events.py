"""REST API v1 routes: events."""
from django.urls import path

from incidents.api import events

urlpatterns = [
    path("events/", events.EventListApi.as_view(), name="api-events"),
]
