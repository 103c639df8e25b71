"""REST API v1 route: a drive by road between two points (the routing engine)."""
from django.urls import path

from incidents.api import route

urlpatterns = [
    path("route/", route.RouteApi.as_view(), name="api-route"),
]
