"""REST API v1: units in the field — the unit board, one-click status changes, AVL positions, sending
units under an accepted assignment, nearest-unit recommendations, and an assignment's handoff chain."""
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Unit
from agencies.scoping import scope_for
from dispatch.errors import NotFound
from incidents import selectors
from incidents.api.serializers import ArrivalFieldsMixin
from incidents.models import Assignment, UnitDispatch
from incidents.routing import nearest_available_units
from incidents.services import unit_change_status, unit_dispatch, unit_record_position, unit_resolve

MAX_UNITS = 1000


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    call_sign = serializers.CharField()
    agency = serializers.IntegerField(source="agency_id")
    agency_name = serializers.CharField(source="agency.__str__")
    station = serializers.CharField(source="station.name", allow_null=True, default=None)
    type = serializers.CharField()
    type_display = serializers.CharField(source="get_type_display")
    capabilities = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    status_changed_at = serializers.DateTimeField(allow_null=True)
    position = serializers.SerializerMethodField()
    position_at = serializers.DateTimeField(allow_null=True)
    position_age_s = serializers.SerializerMethodField()
    dispatch = serializers.SerializerMethodField()

    def get_position(self, obj) -> list[float] | None:
        """[longitude, latitude] of the last known position."""
        return [obj.position.x, obj.position.y] if obj.position else None

    def get_position_age_s(self, obj) -> int | None:
        return int((timezone.now() - obj.position_at).total_seconds()) if obj.position_at else None

    def get_dispatch(self, obj) -> dict | None:
        """The incident the unit is on now, if any."""
        active = getattr(obj, "active_dispatches", None)
        if active is None:
            active = list(obj.dispatches.filter(released_at__isnull=True).select_related("assignment__incident"))
        if not active:
            return None
        d = active[0]
        incident = d.assignment.incident
        return {
            "assignment": d.assignment_id,
            "incident": incident.pk,
            "reference": incident.reference,
            "location": [incident.location.x, incident.location.y],
            "dispatched_at": d.dispatched_at,
            "en_route_at": d.en_route_at,
            "on_scene_at": d.on_scene_at,
        }


def units_queryset(user):
    active = UnitDispatch.objects.filter(released_at__isnull=True).select_related("assignment__incident")
    return selectors.units_visible_to(user).prefetch_related(Prefetch("dispatches", queryset=active, to_attr="active_dispatches"))


def _render_unit(request, unit_id):
    return Response(UnitSerializer(units_queryset(request.user).get(pk=unit_id)).data)


class UnitListApi(APIView):
    """Units the caller may see: a dispatcher's agency, a centre's agencies. Filters: `status`, `agency`."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Unit.Status.choices, required=False)
        agency = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(operation_id="units_list", parameters=[FilterSerializer], responses={200: UnitSerializer(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = units_queryset(request.user)
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        if f.get("agency"):
            qs = qs.filter(agency_id=f["agency"])
        return Response(UnitSerializer(qs.order_by("agency_id", "call_sign")[:MAX_UNITS], many=True).data)


class UnitStatusApi(APIView):
    """One field status step. `resolved` (crew page) releases the unit with its note and completes the
    agency's assignment when it was the last unit on the incident. Illegal steps answer 409."""

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=[*Unit.Status.values, "resolved"])
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(operation_id="units_status", request=InputSerializer, responses={200: UnitSerializer})
    def post(self, request, unit_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["status"] == "resolved":
            unit_resolve(unit_id=unit_id, actor=request.user, note=v["note"])
        else:
            unit_change_status(unit_id=unit_id, status=v["status"], actor=request.user, note=v["note"])
        return _render_unit(request, unit_id)


class UnitPositionApi(APIView):
    """AVL: a crew phone or tracker reports where the unit is. Older fixes are stored but never move the unit back."""

    class InputSerializer(serializers.Serializer):
        lat = serializers.FloatField()
        lon = serializers.FloatField()
        accuracy_m = serializers.FloatField(required=False, allow_null=True)
        speed_kmh = serializers.FloatField(required=False, allow_null=True)
        heading = serializers.FloatField(required=False, allow_null=True)
        recorded_at = serializers.DateTimeField(required=False, allow_null=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        unit = serializers.IntegerField(source="unit_id")
        recorded_at = serializers.DateTimeField()

    @extend_schema(operation_id="units_position", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, unit_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        position = unit_record_position(unit_id=unit_id, actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer(position).data, status=201)


class AssignmentDispatchApi(APIView):
    """Send available units of the agency under its accepted assignment."""

    class InputSerializer(serializers.Serializer):
        units = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=50)

    @extend_schema(operation_id="assignments_dispatch", request=InputSerializer, responses={200: UnitSerializer(many=True)})
    def post(self, request, assignment_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispatches = unit_dispatch(assignment_id=assignment_id, unit_ids=data.validated_data["units"], actor=request.user)
        qs = units_queryset(request.user).filter(pk__in=[d.unit_id for d in dispatches]).order_by("call_sign")
        return Response(UnitSerializer(qs, many=True).data)


class RecommendedUnitSerializer(ArrivalFieldsMixin):
    id = serializers.IntegerField(source="unit.pk")
    call_sign = serializers.CharField(source="unit.call_sign")
    type = serializers.CharField(source="unit.type")
    type_display = serializers.CharField(source="unit.get_type_display")
    capabilities = serializers.ListField(source="unit.capabilities", child=serializers.CharField())
    agency = serializers.IntegerField(source="unit.agency_id")
    agency_name = serializers.CharField(source="unit.agency.__str__")
    station = serializers.CharField(source="unit.station.name", allow_null=True, default=None)
    position_at = serializers.DateTimeField(source="unit.position_at", allow_null=True)
    position = serializers.SerializerMethodField(help_text="[longitude, latitude] of the unit's last known position.")

    def get_position(self, obj) -> list[float] | None:
        return [obj.unit.position.x, obj.unit.position.y] if obj.unit.position else None


class UnitRecommendationsSerializer(serializers.Serializer):
    """What the endpoint answers: an object, not a bare list (issue 28: the schema said an array)."""

    incident = serializers.IntegerField()
    capabilities = serializers.ListField(child=serializers.CharField(), help_text="The capabilities the units were chosen for.")
    units = RecommendedUnitSerializer(many=True)


class UnitRecommendationsApi(APIView):
    """The available units with the capabilities the category needs that would ARRIVE first: a PostGIS KNN
    shortlist ranked by drive time from the routing engine (`basis: "road"`), or by straight line when the engine
    cannot answer (`basis: "straight_line"`). A dispatcher sees their agency's units; centre staff those of every
    agency holding a live assignment. `capability=` overrides the category's needs; `any=1` drops them."""

    class FilterSerializer(serializers.Serializer):
        capability = serializers.CharField(required=False, max_length=40)
        any = serializers.BooleanField(required=False, default=False)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)

    @extend_schema(operation_id="incidents_unit_recommendations", parameters=[FilterSerializer], responses={200: UnitRecommendationsSerializer})
    def get(self, request, incident_id):
        incident = selectors.incident_get_for(request.user, incident_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        scope = scope_for(request.user)
        live = set(incident.assignments.filter(status__in=Assignment.LIVE_STATUSES).values_list("agency_id", flat=True))
        agency_ids = live if scope.is_global or scope.centre_ids else live & set(scope.agency_ids)
        if scope.agency_ids and not agency_ids:
            # A dispatcher whose agency no longer holds the incident may still look (e.g. before a handoff).
            agency_ids = set(scope.agency_ids)
        if f.get("any"):
            capabilities = ()
        elif f.get("capability"):
            capabilities = (f["capability"],)
        else:
            capabilities = tuple(incident.category.required_capabilities)
        proposals = nearest_available_units(point=incident.location, agency_ids=agency_ids, capabilities=capabilities, limit=f["limit"])
        road = [p for p in proposals if p.basis == "road"]
        return Response(
            {
                "incident": incident.pk,
                "capabilities": list(capabilities),
                # "road" when the engine ranked them (units it could not reach may still be straight_line items)
                "basis": "road" if road else "straight_line",
                "incident_snap_m": road[0].incident_snap_m if road else None,
                "units": RecommendedUnitSerializer(proposals, many=True).data,
            }
        )


class HandoffChainApi(APIView):
    """Every link of an assignment's handoff/escalation chain, first offer first (also across centres)."""

    class LinkSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        previous = serializers.IntegerField(source="previous_id", allow_null=True)
        agency = serializers.IntegerField(source="agency_id")
        agency_name = serializers.CharField(source="agency.__str__")
        command_centre = serializers.CharField(source="agency.command_centre.code")
        status = serializers.CharField()
        reason = serializers.CharField()
        escalation_stage = serializers.IntegerField()
        offered_at = serializers.DateTimeField()
        accepted_at = serializers.DateTimeField(allow_null=True)
        handed_off_at = serializers.DateTimeField(allow_null=True)
        expired_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(operation_id="assignments_chain", responses={200: LinkSerializer(many=True)})
    def get(self, request, assignment_id):
        assignment = selectors.assignments_visible_to(request.user).filter(pk=assignment_id).first()
        if assignment is None:
            raise NotFound(_("Penugasan tidak ditemukan."), code="assignment_not_found")
        return Response(self.LinkSerializer(selectors.handoff_chain(assignment), many=True).data)
