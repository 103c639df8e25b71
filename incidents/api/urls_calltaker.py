"""REST API v1 routes of the call-taker console (issue 3): places and duplicate search."""
from django.urls import path

from incidents.api.places import DuplicateCandidatesApi, PlaceAtApi, PlaceSearchApi

urlpatterns = [
    path("places/", PlaceSearchApi.as_view(), name="api-places"),
    path("places/at/", PlaceAtApi.as_view(), name="api-places-at"),
    path("incidents/duplicates/", DuplicateCandidatesApi.as_view(), name="api-incident-duplicates"),
]
