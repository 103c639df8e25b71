"""REST API v1: incidents — create (idempotent), list, detail, correct, route, close, cancel."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import User
from dispatch.api import RejectUnknownFieldsMixin
from dispatch.errors import field_error
from incidents import refdata, selectors
from incidents.events import carries_caller_data
from incidents.api.intake_input import create_input, route_input
from incidents.api.serializers import (
    AssignmentSerializer,
    GeoJSONPointField,
    IncidentCreatedSerializer,
    IncidentDetailSerializer,
    IncidentListItemSerializer,
    IncidentSerializer,
    NearestUnitSerializer,
    ProposedAgencySerializer,
    TimelineEventSerializer,
    represent,
    represent_many,
)
from incidents.models import Incident, Priority
from incidents.routing import nearest_available_units, propose_agencies
from incidents.services import incident_cancel, incident_close, incident_create, incident_route, incident_update
from incidents.services.common import is_centre_staff

TIMELINE_TAIL = 30
# The lean list reads only what its row shows (skips description, answers JSON, the category's script).
LIST_COLUMNS = (
    "id", "reference", "status", "priority", "location", "address", "caller_count", "outside_service_area", "created_at",
    "updated_at", "category__code", "category__name_id", "category__name_en", "command_centre__code",
    "cardiac_arrest_suspected", *(f"cardiac_arrest__{name}" for name in (
        "recognition", "recognised_at", "instructions_started_at", "first_compression_at", "aed_on_scene_at", "ems_on_scene_at",
        "stopped_at", "outcome", "nearest_aeds",
    )),
)
NEAREST_UNITS = 5

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A client-generated key (e.g. a UUID) per intended incident: a resubmit with the same key returns the "
    "first incident with 200 instead of creating a second one.",
)


def _detail(incident: Incident, user=None) -> dict:
    assignments = incident.assignments.select_related("agency").order_by("offered_at", "id")
    events = list(incident.events.order_by("-seq")[:TIMELINE_TAIL])
    events.reverse()
    body = {
        **IncidentSerializer(incident).data,
        "assignments": AssignmentSerializer(assignments, many=True).data,
        "events": TimelineEventSerializer(events, many=True).data,
    }
    if user is not None and user.role == User.Role.VOLUNTEER:
        # A volunteer called out to the incident never learns who called (the same rule as their event feed).
        body.update(caller_number="", caller_name="", events=[e for e in body["events"] if not carries_caller_data(e["payload"])])
    return body


class IncidentListCreateApi(generics.ListAPIView):
    """`GET`: the incidents in the caller's scope, newest first, paginated. `POST`: log a genuine emergency."""

    serializer_class = IncidentListItemSerializer

    class FilterSerializer(serializers.Serializer):
        status = serializers.CharField(required=False, help_text="One status or several separated by commas.")
        open = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="1: only open incidents; 0: only closed/cancelled.")
        category = serializers.CharField(required=False, max_length=40, help_text="Category code.")
        priority = serializers.IntegerField(required=False, min_value=1, max_value=4)
        since = serializers.DateTimeField(required=False, help_text="Created at or after this time (ISO 8601).")

        def validate_status(self, value):
            statuses = [s for s in value.split(",") if s]
            unknown = sorted(set(statuses) - set(Incident.Status.values))
            if unknown:
                raise serializers.ValidationError(_("Status tidak dikenal: %(s)s") % {"s": ", ".join(unknown)[:100]})
            return statuses

    class InputSerializer(serializers.Serializer):
        category = serializers.CharField(help_text="Category code, e.g. `kebakaran`.")
        priority = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=4, help_text="1 critical … 4 low; defaults to the category's suggestion."
        )
        location = GeoJSONPointField(required=False, allow_null=True, default=None)
        address = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
        description = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
        caller_number = serializers.CharField(required=False, allow_blank=True, default="")
        caller_name = serializers.CharField(required=False, allow_blank=True, default="")
        answers = serializers.DictField(required=False, allow_null=True, default=None, help_text="Answers to the category's question script, by key.")
        call = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="The call this incident comes from.")
        location_accuracy_m = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0)
        location_source = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=20, help_text="How the location was found: map, landmark, coordinates, aml, …"
        )
        allow_outside_service_area = serializers.BooleanField(
            required=False, default=False, help_text="Confirm a location outside the centre's service area (refused with `outside_service_area` otherwise)."
        )
        village = serializers.CharField(
            required=False, allow_null=True, allow_blank=True, default=None, max_length=13,
            help_text="The kelurahan/desa chosen, by Kemendagri code (`62.71.01.1001`): recorded with its district and "
            "regency instead of what the point's boundaries say. Refused: `unknown_village`, "
            "`village_outside_service_area`, `village_mismatch` (an exact boundary puts the point elsewhere).",
        )
        command_centre = serializers.CharField(
            required=False, max_length=16, help_text="Centre code; only for staff serving several centres (province, admin)."
        )

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = (
            selectors.incidents_visible_to(self.request.user)
            .select_related("category", "command_centre", "cardiac_arrest")
            .only(*LIST_COLUMNS)
        )
        if f.get("status"):
            qs = qs.filter(status__in=f["status"])
        if f.get("open") is True:
            qs = qs.filter(status__in=Incident.OPEN_STATUSES)
        elif f.get("open") is False:
            qs = qs.filter(status__in=Incident.TERMINAL_STATUSES)
        if f.get("category"):
            qs = qs.filter(category__code=f["category"])
        if f.get("priority"):
            qs = qs.filter(priority=f["priority"])
        if f.get("since"):
            qs = qs.filter(created_at__gte=f["since"])
        return qs.order_by("-created_at", "-id")

    @extend_schema(operation_id="incidents_list", parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="incidents_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={201: IncidentCreatedSerializer, 200: IncidentCreatedSerializer},
        description="Log a genuine emergency. Answers with the incident, the agencies proposed for routing and the "
        "nearest available units with the category's capabilities. Refusals: `unknown_category`, `outside_indonesia`, "
        "`outside_service_area` (repeat with `allow_outside_service_area: true`), `required`, `too_long`.",
    )
    def post(self, request, *args, **kwargs):
        v = create_input(request.data)
        if v is None:  # not plainly valid: DRF decides, with its own messages (intake_input)
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            v = dict(data.validated_data)
        centre_code = v.pop("command_centre", None)
        centre_id = None
        if centre_code:
            info = refdata.centre_info_by_code(centre_code)
            centre_id = info.centre.pk if info is not None else None
            if centre_id is None:
                raise field_error("command_centre", _("Pusat panggilan '%(code)s' tidak dikenal.") % {"code": centre_code[:16]}, code="unknown_centre")
        incident, created = incident_create(
            actor=request.user,
            call_id=v.pop("call"),
            command_centre_id=centre_id,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
            **v,
        )
        if not created:
            # A repeat: the first incident as it is now, with what its answer needs.
            incident = Incident.objects.select_related("category", "command_centre").get(pk=incident.pk)
        proposals = propose_agencies(
            category=incident.category, point=incident.location, command_centre=incident.command_centre, regency_code=incident.regency_id
        )
        units = nearest_available_units(point=incident.location, capabilities=incident.category.required_capabilities, limit=NEAREST_UNITS)
        body = {
            **represent(IncidentSerializer, incident),
            "proposed_agencies": represent_many(ProposedAgencySerializer, proposals),
            "nearest_units": represent_many(NearestUnitSerializer, units),
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class IncidentDetailApi(APIView):
    """`GET`: one incident with its assignments and the latest timeline events. `PATCH`: correct what the
    call-taker learns later (one timeline event with old and new values; a no-op writes nothing)."""

    class UpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        address = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        priority = serializers.ChoiceField(choices=Priority.choices, required=False)
        caller_name = serializers.CharField(required=False, allow_blank=True)
        location = GeoJSONPointField(required=False)
        location_accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100_000)
        answers = serializers.DictField(required=False)
        is_public_alert = serializers.BooleanField(required=False)
        village = serializers.CharField(
            required=False, allow_null=True, allow_blank=True, max_length=13,
            help_text="The kelurahan/desa by Kemendagri code; null: the one the point's boundaries give.",
        )
        category = serializers.CharField(
            required=False, max_length=40,
            help_text="Classify (or re-classify) the incident: a category code. The answer then carries "
            "`proposed_agencies` for it, so an incident that arrived unclassified routes as usual.",
        )

    @extend_schema(operation_id="incidents_retrieve", responses={200: IncidentDetailSerializer})
    def get(self, request, incident_id):
        incident = selectors.incident_get_for(request.user, incident_id)
        return Response(_detail(incident, request.user))

    @extend_schema(operation_id="incidents_partial_update", request=UpdateSerializer, responses={200: IncidentDetailSerializer})
    def patch(self, request, incident_id):
        incident = selectors.incident_get_for(request.user, incident_id)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident_update(incident_id=incident.pk, actor=request.user, **data.validated_data)
        incident = selectors.incident_get_for(request.user, incident.pk)
        body = _detail(incident, request.user)
        if "category" in data.validated_data:
            body["proposed_agencies"] = represent_many(ProposedAgencySerializer, propose_agencies(
                category=incident.category, point=incident.location, command_centre=incident.command_centre,
                regency_code=incident.regency_id,
            ))
        return Response(body)


class IncidentRouteApi(APIView):
    """Offer the incident to agencies: with no body to the proposal, with `{"agencies": [ids]}` to those.
    Agencies already holding a live assignment are left as they are. Answers with the live assignments."""

    class InputSerializer(serializers.Serializer):
        agencies = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_empty=True, max_length=50)

    @extend_schema(operation_id="incidents_route", request=InputSerializer, responses={200: AssignmentSerializer(many=True)})
    def post(self, request, incident_id):
        validated = route_input(request.data)
        if validated is None:  # not plainly valid: DRF decides, with its own messages (intake_input)
            data = self.InputSerializer(data=request.data)
            if not data.is_valid():
                selectors.incident_get_for(request.user, incident_id)  # out of scope is "not found" before any 400
                raise serializers.ValidationError(data.errors)
            validated = data.validated_data
        if not is_centre_staff(request.user):
            # The service refuses these roles with a 403; an incident they cannot see stays a 404.
            selectors.incident_get_for(request.user, incident_id)
        # Centre staff: the service locks the incident and answers "not found" outside the actor's scope
        # (ensure_centre_staff), so a read of the incident before the lock would only repeat it (issue 15).
        assignments = incident_route(incident_id=incident_id, actor=request.user, agency_ids=validated.get("agencies"))
        return Response(represent_many(AssignmentSerializer, assignments))


class IncidentCloseApi(APIView):
    """The centre closes the ticket; with agencies still working it needs `force` from a supervisor."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="")
        force = serializers.BooleanField(required=False, default=False)

    @extend_schema(operation_id="incidents_close", request=InputSerializer, responses={200: IncidentSerializer})
    def post(self, request, incident_id):
        incident = selectors.incident_get_for(request.user, incident_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_close(incident_id=incident.pk, actor=request.user, **data.validated_data)
        return Response(IncidentSerializer(incident).data)


class IncidentCancelApi(APIView):
    """Logged by mistake or no longer needed: withdraws every live assignment."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(operation_id="incidents_cancel", request=InputSerializer, responses={200: IncidentSerializer})
    def post(self, request, incident_id):
        incident = selectors.incident_get_for(request.user, incident_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_cancel(incident_id=incident.pk, actor=request.user, **data.validated_data)
        return Response(IncidentSerializer(incident).data)
