"""REST API v1: each app contributes its routes."""
from django.urls import include, path

urlpatterns = [
    path("", include("agencies.api_urls")),
    path("", include("incidents.api_urls")),
    path("", include("volunteers.api_urls")),
    path("", include("reporting.api_urls")),
]
