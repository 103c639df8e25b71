"""REST API v1 routes of the volunteers app (see volunteers.api)."""
from django.urls import path

from volunteers import api

urlpatterns = [
    path("communities/", api.CommunityListApi.as_view(), name="api-communities"),
    path("communities/<int:community_id>/approve/", api.CommunityApproveApi.as_view(), name="api-community-approve"),
    path("communities/<int:community_id>/members/", api.CommunityMembersApi.as_view(), name="api-community-members"),
    path("communities/<int:community_id>/callouts/", api.CommunityCalloutsApi.as_view(), name="api-community-callouts"),
    path("communities/<int:community_id>/invites/", api.InviteApi.as_view(), name="api-community-invites"),
    path("members/<int:member_id>/suspend/", api.MemberSuspendApi.as_view(), name="api-member-suspend"),
    path("volunteers/me/", api.MeApi.as_view(), name="api-volunteer-me"),
    path("volunteers/me/availability/", api.MyAvailabilityApi.as_view(), name="api-volunteer-availability"),
    path("volunteers/me/position/", api.MyPositionApi.as_view(), name="api-volunteer-position"),
    path("volunteers/me/leave/", api.LeaveApi.as_view(), name="api-volunteer-leave"),
    path("volunteer-skills/", api.SkillsApi.as_view(), name="api-volunteer-skills"),
    path("incidents/<int:incident_id>/callouts/", api.IncidentCalloutsApi.as_view(), name="api-incident-callouts"),
    path("incidents/<int:incident_id>/callouts/proposal/", api.CalloutProposalApi.as_view(), name="api-incident-callout-proposal"),
    path("callouts/", api.CalloutListApi.as_view(), name="api-callouts"),
    path("callouts/sms/", api.SmsInboundApi.as_view(), name="api-callouts-sms"),
    path("callouts/<int:callout_id>/", api.CalloutDetailApi.as_view(), name="api-callout"),
    path("callouts/<int:callout_id>/accept/", api.CalloutAcceptApi.as_view(), name="api-callout-accept"),
    path("callouts/<int:callout_id>/decline/", api.CalloutDeclineApi.as_view(), name="api-callout-decline"),
    path("callouts/<int:callout_id>/withdraw/", api.CalloutWithdrawApi.as_view(), name="api-callout-withdraw"),
    path("callouts/<int:callout_id>/status/", api.CalloutStatusApi.as_view(), name="api-callout-status"),
    path("callouts/<int:callout_id>/cancel/", api.CalloutCancelApi.as_view(), name="api-callout-cancel"),
]
