"""REST API v1 of the volunteers app: the registry and call-outs. One view per operation: parse, call
volunteers.services, render; reads go through volunteers.selectors (scoped to the acting user, out of scope =
404); errors in the one shape (dispatch.errors). A volunteer's answers never carry the caller's number or name.
"""
import hmac
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.aeds import aed_summary
from agencies.models import User
from agencies.scoping import scope_for
from dispatch.api import GatewaySecretPermission
from dispatch.errors import field_error
from incidents.api.serializers import GeoJSONPointField
from incidents.models import Incident
from incidents.selectors import incident_get_for
from volunteers import selectors
from volunteers.cardiac import CPR_REMINDER
from volunteers.models import CallOut, CallOutResponse, Volunteer
from volunteers.services import (
    callout_accept,
    callout_cancel,
    callout_create,
    callout_decline,
    callout_report_status,
    callout_withdraw,
    community_approve,
    member_invite_create,
    member_leave,
    member_set_availability,
    member_set_position,
    member_suspend,
    sms_reply_receive,
)
from volunteers.services.callouts import clean_callout_request
from volunteers.services.common import coordinated_community_ids, ensure_requester, may_cancel, member_for
from volunteers.services.registry import ensure_manages
from volunteers.skills import SKILLS, skill_name

LIST_LIMIT = 200
# How long a call-out that ended with its incident stays on the volunteer's phone, saying so.
ENDED_SHOWN_FOR = timedelta(hours=1)


def _iso(dt):
    return dt.isoformat() if dt else None


def _check_point(point, field="location"):
    if point is not None and not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
        raise field_error(field, _("Koordinat di luar jangkauan (bujur -180..180, lintang -90..90)."), code="out_of_range")
    return point


# --- output -------------------------------------------------------------------------------------------------

class CallOutIncidentSerializer(serializers.Serializer):
    """What a volunteer needs of the incident: never the caller's number or name."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.IntegerField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    location = GeoJSONPointField()
    address = serializers.CharField()
    description = serializers.CharField()


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    callout = serializers.IntegerField()
    volunteer = serializers.IntegerField()
    volunteer_name = serializers.CharField()
    community = serializers.IntegerField()
    community_name = serializers.CharField()
    status = serializers.CharField()
    status_name = serializers.CharField()
    reply = serializers.CharField()
    channel = serializers.CharField()
    distance_m = serializers.IntegerField(allow_null=True)
    alerted_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    en_route_at = serializers.DateTimeField(allow_null=True)
    on_scene_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    stood_down_at = serializers.DateTimeField(allow_null=True)
    stood_down_reason = serializers.CharField(allow_null=True)
    location = GeoJSONPointField(allow_null=True)
    note = serializers.CharField()


class CallOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_name = serializers.CharField()
    needed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    pending = serializers.IntegerField()
    recipients = serializers.IntegerField()
    community = serializers.IntegerField(allow_null=True)
    community_name = serializers.CharField(allow_null=True)
    skills = serializers.ListField(child=serializers.CharField())
    skill_names = serializers.ListField(child=serializers.CharField())
    radius_m = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    sent_at = serializers.DateTimeField()
    ack_deadline = serializers.DateTimeField(allow_null=True)
    filled_at = serializers.DateTimeField(allow_null=True)
    expired_at = serializers.DateTimeField(allow_null=True)
    incident = CallOutIncidentSerializer()
    # the incident's fields at the top level too, as the API contract names them
    reference = serializers.CharField()
    category = serializers.CharField()
    location = GeoJSONPointField()
    address = serializers.CharField()
    description = serializers.CharField()
    taken = serializers.ListField(child=serializers.DictField(), help_text="Who was counted among the N: volunteer, volunteer_name, answered_at.")
    my_response = ResponseSerializer(allow_null=True, required=False, help_text="A volunteer's own answer.")
    responses = ResponseSerializer(many=True, required=False, help_text="Centre staff: every member alerted.")
    callout_counts = serializers.DictField(
        child=serializers.IntegerField(), required=False,
        help_text="A community's view (GET /communities/{id}/callouts/): accepted, declined, pending and recipients over "
        "everyone the call-out alerted; the top-level counts are then this community's members' own, as `responses`.",
    )
    purpose = serializers.CharField(help_text="`general`, or `cardiac_arrest` (sent by the platform on a suspected arrest).")
    purpose_name = serializers.CharField()
    aed = serializers.DictField(allow_null=True, help_text="The AED runner's call-out: the AED to fetch (id, name, location, "
                                "address, access, available_hours, distance_m); null otherwise.")
    cpr_reminder = serializers.CharField(allow_null=True, help_text="A cardiac arrest's call-out: the CPR reminder text.")
    can_cancel = serializers.BooleanField(required=False, help_text="Whether the caller may call it off (the sender, their centre's supervisors, the coordinator).")


class CallOutCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    needed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    recipients = serializers.IntegerField()
    ack_deadline = serializers.DateTimeField()


def response_data(r) -> dict:
    return {
        "id": r.pk, "callout": r.callout_id, "volunteer": r.volunteer_id, "volunteer_name": r.volunteer.name,
        "community": r.community_id, "community_name": r.volunteer.community.name, "status": r.status,
        "status_name": str(CallOutResponse.Status(r.status).label), "reply": r.reply, "channel": r.channel,
        "distance_m": r.distance_m, "alerted_at": _iso(r.alerted_at), "answered_at": _iso(r.answered_at),
        "en_route_at": _iso(r.en_route_at), "on_scene_at": _iso(r.on_scene_at), "done_at": _iso(r.done_at),
        "stood_down_at": _iso(r.stood_down_at), "stood_down_reason": r.stood_down_reason or None,
        "location": {"type": "Point", "coordinates": [r.location.x, r.location.y]} if r.location else None,
        "note": r.note,
    }


def callout_data(c, *, responses, mine=None, staff=False) -> dict:
    """One call-out; `responses` are all its rows (prefetched). A volunteer gets their own answer and who was
    taken; centre staff get every row."""
    counted = [r for r in responses if r.status in CallOutResponse.COUNTED_STATUSES]
    i = c.incident
    incident = {
        "id": i.pk, "reference": i.reference, "status": i.status, "priority": i.priority, "category": i.category.code,
        "category_name": i.category.name_id, "location": {"type": "Point", "coordinates": [i.location.x, i.location.y]},
        "address": i.address, "description": i.description,
    }
    data = {
        "id": c.pk, "status": c.status, "status_name": str(CallOut.Status(c.status).label), "needed": c.needed,
        "accepted": len(counted), "declined": sum(r.status == CallOutResponse.Status.DECLINED for r in responses),
        "pending": sum(r.status == CallOutResponse.Status.PENDING for r in responses), "recipients": len(responses),
        "community": c.community_id, "community_name": c.community.name if c.community_id else None,
        "skills": list(c.skills), "skill_names": [skill_name(s) for s in c.skills], "radius_m": c.radius_m, "note": c.note,
        "sent_at": _iso(c.sent_at), "ack_deadline": _iso(c.ack_deadline), "filled_at": _iso(c.filled_at),
        "expired_at": _iso(c.expired_at), "incident": incident, "reference": i.reference, "category": i.category.code,
        # issue 30: a cardiac arrest's call-out carries the AED its runner fetches and the CPR reminder
        "purpose": c.purpose, "purpose_name": str(CallOut.Purpose(c.purpose).label),
        "aed": aed_summary(c.aed) if c.aed_id else None,
        "cpr_reminder": str(CPR_REMINDER) if c.purpose == CallOut.Purpose.CARDIAC_ARREST else None,
        "location": incident["location"], "address": i.address, "description": i.description,
        "taken": [{"volunteer": r.volunteer_id, "volunteer_name": r.volunteer.name, "answered_at": _iso(r.answered_at)}
                  for r in sorted(counted, key=lambda r: (r.answered_at or r.alerted_at, r.pk))],
    }
    if mine is not None:
        data["my_response"] = response_data(mine)
    if staff:
        data["responses"] = [response_data(r) for r in responses]
    return data


def responses_prefetch():
    return Prefetch("responses", queryset=CallOutResponse.objects.select_related("volunteer__community").order_by("distance_m", "pk"))


def render_callouts(user, callouts, *, staff=None) -> list[dict]:
    staff = user.role != User.Role.VOLUNTEER if staff is None else staff
    out = []
    signed_in = user is not None and user.is_authenticated
    coordinated = coordinated_community_ids(user) if signed_in else set()
    scope = scope_for(user) if signed_in else None
    for c in callouts:
        rows = list(c.responses.all())
        mine = next((r for r in rows if r.volunteer.user_id == user.pk), None) if not staff else None
        data = callout_data(c, responses=rows, mine=mine, staff=staff)
        if signed_in:
            data["can_cancel"] = may_cancel(user, c, responses=rows, coordinated=coordinated, scope=scope)
        out.append(data)
    return out


def _one(user, callout_id) -> dict:
    qs = selectors.callouts_visible_to(user).prefetch_related(responses_prefetch()).filter(pk=callout_id)
    callout = qs.first()
    if callout is None:
        selectors.callout_get_for(user, callout_id)  # raises the one 404
    return render_callouts(user, [callout])[0]


# --- communities --------------------------------------------------------------------------------------------

class CommunitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_name = serializers.CharField()
    command_centre = serializers.CharField(help_text="The centre's code, e.g. pky.")
    members_available = serializers.IntegerField(help_text="Members who may be alerted now.")
    members = serializers.IntegerField(help_text="Active members.")
    approved = serializers.BooleanField()
    category_codes = serializers.ListField(child=serializers.CharField())
    base_location = GeoJSONPointField(allow_null=True)
    coordinator_phone = serializers.CharField()


class CommunityListApi(APIView):
    """The communities the user may see, with how many members may be alerted now."""

    @extend_schema(operation_id="communities_list", responses={200: CommunitySerializer(many=True)})
    def get(self, request):
        qs = selectors.with_members_available(selectors.communities_visible_to(request.user)).annotate(
            n_members=Count("volunteers", filter=Q(volunteers__status=Volunteer.Status.ACTIVE), distinct=True)
        ).order_by("command_centre__code", "name")
        data = [
            {"id": c.pk, "name": c.name, "kind": c.kind, "kind_name": str(c.get_kind_display()), "command_centre": c.command_centre.code,
             "members_available": c.members_available, "members": c.n_members, "approved": c.is_approved,
             "category_codes": list(c.category_codes), "base_location": c.base_location, "coordinator_phone": c.coordinator_phone}
            for c in qs[:LIST_LIMIT]
        ]
        return Response(CommunitySerializer(data, many=True).data)


class CommunityApproveApi(APIView):
    """A supervisor or admin of the community's centre approves it (only approved communities are called out)."""

    @extend_schema(operation_id="communities_approve", request=None,
                   responses={200: inline_serializer("CommunityApproved", {"id": serializers.IntegerField(), "approved_at": serializers.DateTimeField()})})
    def post(self, request, community_id):
        community = community_approve(community_id=community_id, actor=request.user)
        return Response({"id": community.pk, "approved_at": _iso(community.approved_at)})


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    certifications = serializers.ListField(child=serializers.DictField())
    availability = serializers.CharField()
    status = serializers.CharField()
    on_call_now = serializers.BooleanField()
    busy = serializers.BooleanField()
    location = GeoJSONPointField(allow_null=True)
    location_at = serializers.DateTimeField(allow_null=True)
    accepted = serializers.IntegerField(help_text="Call-outs accepted (all time).")
    arrived = serializers.IntegerField(help_text="Call-outs where they reported on scene.")
    avg_arrival_min = serializers.FloatField(allow_null=True, help_text="Mean minutes from accepting to on scene.")


class CommunityMembersApi(APIView):
    """The coordinator's (or the centre's) view of the members: availability now and participation history."""

    @extend_schema(operation_id="communities_members", responses={200: MemberSerializer(many=True)})
    def get(self, request, community_id):
        community = selectors.community_get_for(request.user, community_id)
        if request.user.role == User.Role.VOLUNTEER or request.user.role == User.Role.DISPATCHER:
            ensure_manages(request.user, community)
        return Response(MemberSerializer(selectors.members_with_history(community=community), many=True).data)


def community_callouts(community, user=None) -> list[dict]:
    """The call-outs that alerted members of this community, each with this community's answers only — and counts
    of those same answers, so "belum menjawab 6" lists six names — and, given the viewer, whether they may call it
    off. A call-out by skill and radius also alerts other communities: its counts over everyone alerted are kept in
    `callout_counts`."""
    callouts = (
        CallOut.objects.filter(pk__in=CallOutResponse.objects.filter(community=community).values("callout_id"))
        .select_related("incident__category", "incident__command_centre", "community")
        .prefetch_related(responses_prefetch()).order_by("-sent_at")[:30]
    )
    rendered = render_callouts(user, callouts, staff=True)
    counted = {str(s) for s in CallOutResponse.COUNTED_STATUSES}
    for c in rendered:
        c["callout_counts"] = {k: c[k] for k in ("accepted", "declined", "pending", "recipients")}
        mine = [r for r in c["responses"] if r["community"] == community.pk]
        c["responses"] = mine
        c.update(
            accepted=sum(r["status"] in counted for r in mine),
            declined=sum(r["status"] == CallOutResponse.Status.DECLINED for r in mine),
            pending=sum(r["status"] == CallOutResponse.Status.PENDING for r in mine),
            recipients=len(mine),
        )
    return rendered


class CommunityCalloutsApi(APIView):
    """The coordinator's (or the centre's) view of the last 30 call-outs that reached the community."""

    @extend_schema(operation_id="communities_callouts", responses={200: CallOutSerializer(many=True)})
    def get(self, request, community_id):
        community = selectors.community_get_for(request.user, community_id)
        if request.user.role in (User.Role.VOLUNTEER, User.Role.DISPATCHER):
            ensure_manages(request.user, community)
        return Response(community_callouts(community, request.user))


class InviteApi(APIView):
    """The coordinator creates a one-time sign-up link (expires in 7 days)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(required=False, allow_blank=True, max_length=160)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=32)

    @extend_schema(operation_id="communities_invite", request=InputSerializer,
                   responses={201: inline_serializer("InviteCreated", {"id": serializers.IntegerField(), "url": serializers.CharField(),
                                                                       "expires_at": serializers.DateTimeField()})})
    def post(self, request, community_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invite, token = member_invite_create(community_id=community_id, actor=request.user, **data.validated_data)
        url = request.build_absolute_uri(reverse("volunteer-signup", args=[token]))
        return Response({"id": invite.pk, "url": url, "expires_at": _iso(invite.expires_at)}, status=status.HTTP_201_CREATED)


class MemberSuspendApi(APIView):
    class InputSerializer(serializers.Serializer):
        suspended = serializers.BooleanField(default=True)

    @extend_schema(operation_id="members_suspend", request=InputSerializer,
                   responses={200: inline_serializer("MemberStatus", {"id": serializers.IntegerField(), "status": serializers.CharField()})})
    def post(self, request, member_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_suspend(member_id=member_id, actor=request.user, suspended=data.validated_data["suspended"])
        return Response({"id": member.pk, "status": member.status})


# --- the member's own settings ------------------------------------------------------------------------------

class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    community = serializers.IntegerField()
    community_name = serializers.CharField()
    is_coordinator = serializers.BooleanField()
    availability = serializers.CharField()
    schedule_hours = serializers.ListField(child=serializers.IntegerField())
    skills = serializers.ListField(child=serializers.CharField())
    location = GeoJSONPointField(allow_null=True)
    location_at = serializers.DateTimeField(allow_null=True)


def me_data(member) -> dict:
    return {
        "id": member.pk, "name": member.name, "community": member.community_id, "community_name": member.community.name,
        "is_coordinator": member.community.coordinator_id == member.user_id, "availability": member.availability,
        "schedule_hours": list(member.schedule_hours), "skills": list(member.skills), "location": member.location,
        "location_at": _iso(member.location_at),
    }


class MeApi(APIView):
    @extend_schema(operation_id="volunteers_me", responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(me_data(member_for(request.user))).data)


class MyAvailabilityApi(APIView):
    class InputSerializer(serializers.Serializer):
        availability = serializers.ChoiceField(choices=Volunteer.Availability.choices)
        schedule_hours = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=167), required=False, max_length=168)

    @extend_schema(operation_id="volunteers_me_availability", request=InputSerializer, responses={200: MeSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_set_availability(actor=request.user, **data.validated_data)
        return Response(MeSerializer(me_data(member)).data)


class MyPositionApi(APIView):
    class InputSerializer(serializers.Serializer):
        location = GeoJSONPointField(allow_null=True)

    @extend_schema(operation_id="volunteers_me_position", request=InputSerializer, responses={200: MeSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_set_position(actor=request.user, location=_check_point(data.validated_data["location"]))
        return Response(MeSerializer(me_data(member)).data)


class LeaveApi(APIView):
    @extend_schema(operation_id="volunteers_me_leave", request=None,
                   responses={200: inline_serializer("MemberLeft", {"id": serializers.IntegerField(), "status": serializers.CharField()})})
    def post(self, request):
        member = member_leave(actor=request.user)
        return Response({"id": member.pk, "status": member.status})


# --- call-outs ----------------------------------------------------------------------------------------------

class IncidentCalloutsApi(APIView):
    """`POST`: call volunteers out to the incident — `{"community": id, "needed": N}` or
    `{"skills": [...], "radius_m": M, "needed": N}`, optional `note`, `deadline_min` (default 5).
    `GET`: the incident's call-outs with every member's answer (centre staff)."""

    class InputSerializer(serializers.Serializer):
        community = serializers.JSONField(required=False, help_text="A community id (a whole community).")
        skills = serializers.JSONField(required=False, help_text="Skill codes (any of them), with radius_m.")
        radius_m = serializers.JSONField(required=False, help_text="Radius around the incident in metres, 1–100,000.")
        needed = serializers.JSONField(help_text="How many volunteers are needed, 1–50.")
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)
        deadline_min = serializers.JSONField(required=False, help_text="Minutes to answer before supervisors are alerted (1–120).")

    @extend_schema(operation_id="incident_callouts_create", request=InputSerializer, responses={201: CallOutCreatedSerializer})
    def post(self, request, incident_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        callout = callout_create(incident_id=incident_id, actor=request.user, **data.validated_data)
        return Response(
            {"id": callout.pk, "status": callout.status, "needed": callout.needed, "accepted": callout.counts["accepted"],
             "recipients": callout.counts["recipients"], "ack_deadline": _iso(callout.ack_deadline)},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(operation_id="incident_callouts_list", responses={200: CallOutSerializer(many=True)})
    def get(self, request, incident_id):
        incident = incident_get_for(request.user, incident_id)
        qs = selectors.callouts_visible_to(request.user).filter(incident=incident).prefetch_related(responses_prefetch()).order_by("-sent_at")
        return Response(render_callouts(request.user, qs[:LIST_LIMIT]))


class ProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    community = serializers.IntegerField()
    community_name = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    distance_m = serializers.IntegerField(allow_null=True)
    location_at = serializers.DateTimeField(allow_null=True)


class CalloutProposalApi(APIView):
    """Who a call-out would alert now, nearest first: `?skills=a,b&radius_m=M` or `?community=<id>` (the
    console's "call out volunteers" dialog)."""

    @extend_schema(
        operation_id="incident_callouts_proposal",
        parameters=[OpenApiParameter("skills", str), OpenApiParameter("radius_m", int), OpenApiParameter("community", int)],
        responses={200: ProposalSerializer(many=True)},
    )
    def get(self, request, incident_id):
        incident = incident_get_for(request.user, incident_id)
        ensure_requester(request.user, incident)
        skills = [s for s in request.query_params.get("skills", "").split(",") if s]
        cleaned = clean_callout_request(community=request.query_params.get("community") or None, skills=skills or None,
                                        radius_m=request.query_params.get("radius_m") or None, needed=1)
        members = selectors.members_for_callout(centre=incident.command_centre, point=incident.location, skills=cleaned["skills"],
                                                radius_m=cleaned["radius_m"], community_id=cleaned["community_id"])
        return Response(ProposalSerializer([
            {"id": m.pk, "name": m.name, "community": m.community_id, "community_name": m.community.name, "skills": list(m.skills),
             "distance_m": m.distance_m, "location_at": _iso(m.location_at)} for m in members
        ], many=True).data)


class CalloutListApi(APIView):
    """A volunteer: the call-outs sent to them (open ones; `?open=0` for the last 50 of any status). Centre staff:
    their centre's call-outs (`?incident=<id>`, `?open=1`)."""

    @extend_schema(
        operation_id="callouts_list",
        parameters=[OpenApiParameter("incident", int), OpenApiParameter("open", str)],
        responses={200: CallOutSerializer(many=True)},
    )
    def get(self, request):
        qs = selectors.callouts_visible_to(request.user)
        incident = request.query_params.get("incident")
        if incident not in (None, ""):
            try:
                qs = qs.filter(incident_id=int(incident))
            except ValueError:
                raise field_error("incident", _("Harus berupa angka."), code="invalid") from None
        volunteer = request.user.role == User.Role.VOLUNTEER
        open_only = request.query_params.get("open", "1" if volunteer else "0") not in ("0", "false", "")
        if open_only:
            still_open = Q(status__in=sorted(CallOut.OPEN_STATUSES), incident__status__in=sorted(Incident.OPEN_STATUSES))
            if volunteer:
                # a call-out that ended with its incident stays on the volunteer's phone for a while, to say why
                # ("Kejadian sudah selesai") instead of vanishing under someone on the way
                still_open |= Q(
                    status=CallOut.Status.COMPLETED, completed_at__gte=timezone.now() - ENDED_SHOWN_FOR,
                    responses__volunteer__user=request.user, responses__stood_down_reason=CallOutResponse.Reason.ENDED,
                )
            qs = qs.filter(still_open).distinct()
        qs = qs.prefetch_related(responses_prefetch()).order_by("-sent_at", "-pk")
        return Response(render_callouts(request.user, qs[: (50 if volunteer else LIST_LIMIT)]))


class CalloutDetailApi(APIView):
    @extend_schema(operation_id="callouts_retrieve", responses={200: CallOutSerializer})
    def get(self, request, callout_id):
        return Response(_one(request.user, callout_id))


class AnswerInput(serializers.Serializer):
    reply = serializers.CharField(required=False, allow_blank=True, max_length=120, help_text='A short reply, e.g. "20 menit lagi".')


class CalloutAcceptApi(APIView):
    """The first N acceptances are taken; then 409 `callout_filled` (with `accepted` and `needed`)."""

    @extend_schema(operation_id="callouts_accept", request=AnswerInput, responses={200: ResponseSerializer})
    def post(self, request, callout_id):
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = callout_accept(callout_id=callout_id, actor=request.user, reply=data.validated_data.get("reply", ""))
        return Response(response_data(response))


class CalloutDeclineApi(APIView):
    @extend_schema(operation_id="callouts_decline", request=AnswerInput, responses={200: ResponseSerializer})
    def post(self, request, callout_id):
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = callout_decline(callout_id=callout_id, actor=request.user, reply=data.validated_data.get("reply", ""))
        return Response(response_data(response))


class CalloutWithdrawApi(APIView):
    """A member who accepted stands down (a filled call-out reopens for the others)."""

    @extend_schema(operation_id="callouts_withdraw", request=AnswerInput, responses={200: ResponseSerializer})
    def post(self, request, callout_id):
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = callout_withdraw(callout_id=callout_id, actor=request.user, reply=data.validated_data.get("reply", ""))
        return Response(response_data(response))


class CalloutStatusApi(APIView):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["en_route", "on_scene", "done"])
        location = GeoJSONPointField(required=False, allow_null=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    @extend_schema(operation_id="callouts_status", request=InputSerializer, responses={200: ResponseSerializer})
    def post(self, request, callout_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        response = callout_report_status(callout_id=callout_id, actor=request.user, status=v["status"],
                                         location=_check_point(v.get("location")), note=v.get("note", ""))
        return Response(response_data(response))


class CalloutCancelApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    @extend_schema(operation_id="callouts_cancel", request=InputSerializer, responses={200: CallOutSerializer})
    def post(self, request, callout_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        callout = callout_cancel(callout_id=callout_id, actor=request.user, reason=data.validated_data.get("reason", ""))
        if request.user.role == User.Role.VOLUNTEER:
            # a coordinator who called it off may not have been alerted on it: the staff view of what they cancelled
            callout = CallOut.objects.select_related("incident__category", "incident__command_centre", "community") \
                .prefetch_related(responses_prefetch()).get(pk=callout.pk)
            return Response(render_callouts(request.user, [callout], staff=True)[0])
        return Response(_one(request.user, callout.pk))


class SkillsApi(APIView):
    @extend_schema(operation_id="volunteer_skills", responses={200: inline_serializer("Skill", {"code": serializers.CharField(), "name": serializers.CharField()}, many=True)})
    def get(self, request):
        return Response([{"code": code, "name": str(name)} for code, name in SKILLS.items()])


# --- the SMS gateway's inbound webhook ----------------------------------------------------------------------

class SmsGatewayPermission(GatewaySecretPermission):
    """Only the SMS gateway's own credential posts replies: the `X-SMS-Secret` header, compared in constant time —
    as the AML receiver accepts only its gateway's secret. A user's token, even a supervisor's, is not a gateway:
    it could answer for any member. No secret configured: the webhook is closed. Failed secrets are throttled
    per address (dispatch.api.GatewaySecretPermission)."""

    message = "SMS gateway credentials required (X-SMS-Secret header)."
    gateway = "sms"

    def secret_ok(self, request, view):
        secret = settings.VOLUNTEER_SMS_SECRET
        offered = request.META.get("HTTP_X_SMS_SECRET", "")
        return bool(secret and offered and hmac.compare_digest(secret.encode(), offered.encode()))


class SmsInboundApi(APIView):
    """An SMS forwarded by the gateway: `{"message_id", "from", "body", "to"?}` (JSON or form). From a volunteer,
    `1`/`YA` accepts, `2`/`TIDAK` declines their latest call-out waiting for an answer (text after the word is kept
    as the reply). Anything else is a text to the centre (`to`: the number it was sent to, a centre's 112 SMS
    number): it joins the sender's open text conversation, or rings on the console as a text-only emergency call
    (outcome `text_call`). Idempotent by `message_id`: a repeat answers 200 with `duplicate: true` and changes nothing."""

    permission_classes = [SmsGatewayPermission]
    authentication_classes = []

    class InputSerializer(serializers.Serializer):
        message_id = serializers.CharField(max_length=120)
        body = serializers.CharField(max_length=500, allow_blank=True)
        to = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
        centre = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="callouts_sms_inbound",
        request=inline_serializer("SmsInbound", {"message_id": serializers.CharField(), "from": serializers.CharField(), "body": serializers.CharField(),
                                                 "to": serializers.CharField(required=False), "centre": serializers.CharField(required=False)}),
        responses={200: inline_serializer("SmsAck", {"received": serializers.BooleanField(), "duplicate": serializers.BooleanField(),
                                                     "outcome": serializers.CharField()})},
        parameters=[OpenApiParameter("X-SMS-Secret", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sender = request.data.get("from", "")
        if not isinstance(sender, str) or not sender.strip():
            raise field_error("from", _("Nomor pengirim wajib diisi."), code="required")
        v = data.validated_data
        message, created = sms_reply_receive(message_id=v["message_id"], sender=sender, body=v["body"], to=v["to"], centre_code=v["centre"])
        return Response({"received": True, "duplicate": not created, "outcome": message.outcome})

