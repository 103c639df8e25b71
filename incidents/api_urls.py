"""REST API v1 routes of the incidents app; each area keeps its own module."""
from django.urls import include, path

urlpatterns = [
    path("", include("incidents.api.urls_calltaker")),  # before core: "incidents/duplicates/" must win over a detail route
    path("", include("incidents.api.urls_core")),
    path("", include("incidents.api.urls_events")),
    path("", include("incidents.api.urls_interop")),
    path("", include("incidents.api.urls_units")),
    path("", include("incidents.api.urls_callerlink")),
    path("", include("incidents.api.urls_route")),
]
