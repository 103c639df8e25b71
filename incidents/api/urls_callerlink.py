"""REST API v1 routes: the caller link (issue 24) — staff (per incident, per call) and the caller's phone (per token)."""
from django.urls import path

from incidents.api import caller_public, callerlink

urlpatterns = [
    path("incidents/<int:incident_id>/caller-link/", callerlink.CallerLinkApi.as_view(), name="api-incident-caller-link"),
    path("incidents/<int:incident_id>/caller-link/<int:link_id>/revoke/", callerlink.CallerLinkRevokeApi.as_view(),
         name="api-incident-caller-link-revoke"),
    path("incidents/<int:incident_id>/caller-positions/", callerlink.CallerPositionListApi.as_view(), name="api-incident-caller-positions"),
    path("incidents/<int:incident_id>/caller-positions/<int:position_id>/adopt/", callerlink.CallerPositionAdoptApi.as_view(),
         name="api-incident-caller-position-adopt"),
    path("incidents/<int:incident_id>/caller-photos/", callerlink.CallerPhotoListApi.as_view(), name="api-incident-caller-photos"),
    path("incidents/<int:incident_id>/caller-photos/<int:photo_id>/image/", callerlink.CallerPhotoImageApi.as_view(),
         name="api-incident-caller-photo-image"),
    path("incidents/<int:incident_id>/caller-messages/", callerlink.CallerMessageApi.as_view(), name="api-incident-caller-messages"),
    # A call whose incident does not exist yet (the link is sent while the caller is still on the line).
    path("calls/<int:call_id>/caller-link/", callerlink.CallCallerLinkApi.as_view(), name="api-call-caller-link"),
    path("calls/<int:call_id>/caller-link/<int:link_id>/revoke/", callerlink.CallCallerLinkRevokeApi.as_view(), name="api-call-caller-link-revoke"),
    path("calls/<int:call_id>/caller-positions/", callerlink.CallCallerPositionListApi.as_view(), name="api-call-caller-positions"),
    path("calls/<int:call_id>/caller-photos/", callerlink.CallCallerPhotoListApi.as_view(), name="api-call-caller-photos"),
    path("calls/<int:call_id>/caller-photos/<int:photo_id>/image/", callerlink.CallCallerPhotoImageApi.as_view(), name="api-call-caller-photo-image"),
    path("calls/<int:call_id>/caller-messages/", callerlink.CallCallerMessageApi.as_view(), name="api-call-caller-messages"),
    # The caller's phone: the token is the credential (no login).
    path("caller-links/<str:token>/positions/", caller_public.CallerPositionReceiveApi.as_view(), name="api-caller-link-positions"),
    path("caller-links/<str:token>/photos/", caller_public.CallerPhotoReceiveApi.as_view(), name="api-caller-link-photos"),
    path("caller-links/<str:token>/messages/", caller_public.CallerMessageExchangeApi.as_view(), name="api-caller-link-messages"),
]
