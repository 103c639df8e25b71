"""REST API v1 routes: units (board, status, AVL), dispatching units, recommendations, handoff chain."""
from django.urls import path

from incidents.api import units

urlpatterns = [
    path("units/", units.UnitListApi.as_view(), name="api-units"),
    path("units/<int:unit_id>/status/", units.UnitStatusApi.as_view(), name="api-unit-status"),
    path("units/<int:unit_id>/position/", units.UnitPositionApi.as_view(), name="api-unit-position"),
    path("assignments/<int:assignment_id>/dispatch/", units.AssignmentDispatchApi.as_view(), name="api-assignment-dispatch"),
    path("assignments/<int:assignment_id>/chain/", units.HandoffChainApi.as_view(), name="api-assignment-chain"),
    path(
        "incidents/<int:incident_id>/unit-recommendations/",
        units.UnitRecommendationsApi.as_view(),
        name="api-incident-unit-recommendations",
    ),
]
