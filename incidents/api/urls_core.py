"""REST API v1 routes: core workflow (calls, incidents, assignments, alerts, categories)."""
from django.urls import path

from incidents.api import assignments, calls, cardiac, categories, incidents, offline

urlpatterns = [
    path("ping/", offline.PingApi.as_view(), name="api-ping"),
    path("reference/offline/", offline.OfflineReferenceApi.as_view(), name="api-reference-offline"),
    path("calls/", calls.CallListCreateApi.as_view(), name="api-calls"),
    path("calls/start/", calls.CallStartApi.as_view(), name="api-call-start"),
    path("calls/<int:call_id>/claim/", calls.CallClaimApi.as_view(), name="api-call-claim"),
    path("calls/<int:call_id>/close/", calls.CallCloseApi.as_view(), name="api-call-close"),
    path("calls/<int:call_id>/reopen/", calls.CallReopenApi.as_view(), name="api-call-reopen"),
    path("calls/<int:call_id>/end/", calls.CallEndApi.as_view(), name="api-call-end"),
    path("calls/<int:call_id>/link/", calls.CallLinkApi.as_view(), name="api-call-link"),
    path("callers/<str:number>/history/", calls.CallerHistoryApi.as_view(), name="api-caller-history"),
    path("categories/", categories.CategoryListApi.as_view(), name="api-categories"),
    path("incidents/", incidents.IncidentListCreateApi.as_view(), name="api-incidents"),
    path("incidents/<int:incident_id>/", incidents.IncidentDetailApi.as_view(), name="api-incident"),
    path("incidents/<int:incident_id>/route/", incidents.IncidentRouteApi.as_view(), name="api-incident-route"),
    path("incidents/<int:incident_id>/close/", incidents.IncidentCloseApi.as_view(), name="api-incident-close"),
    path("incidents/<int:incident_id>/cancel/", incidents.IncidentCancelApi.as_view(), name="api-incident-cancel"),
    path("incidents/<int:incident_id>/cpr/", cardiac.CprStepApi.as_view(), name="api-incident-cpr"),
    path(
        "incidents/<int:incident_id>/alerts/acknowledge/", assignments.IncidentAlertsAcknowledgeApi.as_view(),
        name="api-incident-alerts-acknowledge",
    ),
    path("assignments/", assignments.AssignmentListApi.as_view(), name="api-assignments"),
    path("assignments/<int:assignment_id>/accept/", assignments.AssignmentAcceptApi.as_view(), name="api-assignment-accept"),
    path("assignments/<int:assignment_id>/decline/", assignments.AssignmentDeclineApi.as_view(), name="api-assignment-decline"),
    path("assignments/<int:assignment_id>/handoff/", assignments.AssignmentHandoffApi.as_view(), name="api-assignment-handoff"),
    path("assignments/<int:assignment_id>/complete/", assignments.AssignmentCompleteApi.as_view(), name="api-assignment-complete"),
    path("alerts/", assignments.AlertListApi.as_view(), name="api-alerts"),
    path("alerts/<int:alert_id>/acknowledge/", assignments.AlertAcknowledgeApi.as_view(), name="api-alert-acknowledge"),
]
