"""REST API v1: assignments (an agency accepts, declines, hands off, completes) and supervisor alerts.

A lost race answers 409 with `error.current_status` (and `error.assignment`) so the console can show
who won without another request.
"""
from django.db.models import F
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors
from incidents.api.serializers import AlertGroupSerializer, AlertSerializer, AssignmentListItemSerializer, AssignmentSerializer
from incidents.models import Assignment, Incident
from incidents.services import (
    alert_acknowledge,
    assignment_accept,
    assignment_complete,
    assignment_decline,
    assignment_handoff,
    incident_alerts_acknowledge,
)


def _render(assignment):
    assignment = Assignment.objects.select_related("agency").get(pk=assignment.pk)
    return Response(AssignmentSerializer(assignment).data)


class AssignmentListApi(generics.ListAPIView):
    """The assignments in the caller's scope — a dispatcher's agency, or the centre's incidents — newest first."""

    serializer_class = AssignmentListItemSerializer

    class FilterSerializer(serializers.Serializer):
        status = serializers.CharField(required=False, help_text="One status or several separated by commas, e.g. `offered`.")
        incident = serializers.IntegerField(required=False, min_value=1)
        open = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="1: only assignments of open incidents.")
        completed_today = serializers.BooleanField(
            required=False, allow_null=True, default=None,
            help_text="1: only assignments completed today, in the local day (WIB/WITA/WIT) of the agency's centre "
            "(the dispatcher console's \"Selesai hari ini\"), most recently completed first.",
        )

        def validate_status(self, value):
            statuses = [s for s in value.split(",") if s]
            unknown = sorted(set(statuses) - set(Assignment.Status.values))
            if unknown:
                raise serializers.ValidationError("Status tidak dikenal: %s" % ", ".join(unknown)[:100])
            return statuses

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = selectors.assignments_visible_to(self.request.user).select_related("agency", "incident__category")
        if f.get("status"):
            qs = qs.filter(status__in=f["status"])
        if f.get("incident"):
            qs = qs.filter(incident_id=f["incident"])
        if f.get("open") is True:
            qs = qs.filter(incident__status__in=Incident.OPEN_STATUSES)
        if f.get("completed_today") is True:
            return selectors.assignments_completed_today(qs).order_by("-completed_at", "-id")
        return qs.order_by("-offered_at", "-id")

    @extend_schema(operation_id="assignments_list", parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page)
        data = self.get_serializer(rows, many=True).data
        # An agency that left an incident (handed it off, declined, expired) keeps its row, but not a window on the
        # incident now: its fields are the incident as it was when the agency left, or nothing (issue 28).
        left = selectors.incidents_left_behind(request.user, rows)
        for row in data:
            if row["id"] in left:
                row.update(AssignmentListItemSerializer.incident_fields(left[row["id"]]))
        return self.get_paginated_response(data)


class AssignmentAcceptApi(APIView):
    """The agency takes the incident. Two dispatchers at once: one 200, the other 409."""

    @extend_schema(operation_id="assignments_accept", request=None, responses={200: AssignmentSerializer})
    def post(self, request, assignment_id):
        return _render(assignment_accept(assignment_id=assignment_id, actor=request.user))


class AssignmentDeclineApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(operation_id="assignments_decline", request=InputSerializer, responses={200: AssignmentSerializer})
    def post(self, request, assignment_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _render(assignment_decline(assignment_id=assignment_id, actor=request.user, **data.validated_data))


class AssignmentHandoffApi(APIView):
    """Pass the incident to another agency (also of another centre); answers with the new offered assignment."""

    class InputSerializer(serializers.Serializer):
        to_agency = serializers.IntegerField(min_value=1)
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(operation_id="assignments_handoff", request=InputSerializer, responses={200: AssignmentSerializer})
    def post(self, request, assignment_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return _render(assignment_handoff(assignment_id=assignment_id, actor=request.user, to_agency_id=v["to_agency"], reason=v["reason"]))


class AssignmentCompleteApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(operation_id="assignments_complete", request=InputSerializer, responses={200: AssignmentSerializer})
    def post(self, request, assignment_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _render(assignment_complete(assignment_id=assignment_id, actor=request.user, **data.validated_data))


class AlertListApi(generics.ListAPIView):
    """Supervisor alerts of the caller's centres: unacknowledged first, then newest first.

    `?group=incident`: one item per incident instead (`incident`, `reference`, `priority`, `count`, `kinds`,
    `latest_raised_at`, `alerts` …), worst first — open before acknowledged, then priority, then the longest waiting
    (selectors.alert_groups). `?open=1` keeps unacknowledged alerts only, `?incident=<id>` one incident's."""

    serializer_class = AlertSerializer

    class FilterSerializer(serializers.Serializer):
        open = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="1: only unacknowledged alerts.")
        incident = serializers.IntegerField(required=False, min_value=1, help_text="Only this incident's alerts.")
        group = serializers.ChoiceField(
            choices=["incident"], required=False, help_text="`incident`: one item per incident (AlertGroup) instead of one per alert."
        )

    def _filtered(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = selectors.alerts_visible_to(self.request.user)
        if f.get("open") is True:
            qs = qs.filter(acknowledged_at__isnull=True)
        elif f.get("open") is False:
            qs = qs.filter(acknowledged_at__isnull=False)
        if f.get("incident"):
            qs = qs.filter(incident_id=f["incident"])
        return qs, f

    def get_queryset(self):
        qs, _f = self._filtered()
        return qs.select_related("incident", "command_centre", "acknowledged_by").order_by(
            F("acknowledged_at").asc(nulls_first=True), "-created_at", "-id"
        )

    @extend_schema(
        operation_id="alerts_list", parameters=[FilterSerializer],
        responses={200: PolymorphicProxySerializer(
            component_name="AlertOrGroup", serializers=[AlertSerializer, AlertGroupSerializer], resource_type_field_name=None, many=True,
        )},
    )
    def get(self, request, *args, **kwargs):
        qs, f = self._filtered()
        if f.get("group") != "incident":
            return super().get(request, *args, **kwargs)
        page = self.paginate_queryset(selectors.alert_groups(qs))
        return self.get_paginated_response(AlertGroupSerializer(selectors.alert_group_items(page, qs), many=True).data)


class AlertAcknowledgeApi(APIView):
    """A supervisor acknowledges an alert, optionally with a note (kept in the `alert.acknowledged` event)."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    @extend_schema(operation_id="alerts_acknowledge", request=InputSerializer, responses={200: AlertSerializer})
    def post(self, request, alert_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_acknowledge(alert_id=alert_id, actor=request.user, note=data.validated_data["note"])
        alert = selectors.alerts_visible_to(request.user).select_related("incident", "command_centre", "acknowledged_by").get(pk=alert.pk)
        return Response(AlertSerializer(alert).data)


class IncidentAlertsAcknowledgeApi(APIView):
    """`POST /api/v1/incidents/{id}/alerts/acknowledge/` `{note}`: a supervisor marks every open alert of the incident
    as handled — one transaction, one `alert.acknowledged` event. 200 with `acknowledged` (how many this request
    acknowledged) and the incident's alert group. Nothing open (a colleague was quicker, or a retry): 200 with
    `acknowledged: 0`, nothing written — the group says who handled it. Officials and call-takers 403; an incident
    outside the supervisor's centres 404."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    class OutputSerializer(AlertGroupSerializer):
        acknowledged = serializers.IntegerField(help_text="Alerts this request acknowledged (0: nothing was open).")

    @extend_schema(
        operation_id="incident_alerts_acknowledge", request=InputSerializer,
        responses={200: OpenApiResponse(OutputSerializer, description="The incident's alerts after the acknowledgement.")},
    )
    def post(self, request, incident_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = incident_alerts_acknowledge(incident_id=incident_id, actor=request.user, note=data.validated_data["note"])
        alerts = selectors.alerts_visible_to(request.user).filter(incident_id=incident_id)
        [group] = selectors.alert_group_items(selectors.alert_groups(alerts), alerts) or [_empty_group(incident_id)]
        return Response(self.OutputSerializer({**group, "acknowledged": len(done)}).data)


def _empty_group(incident_id) -> dict:
    """An incident in scope that never had an alert: an empty group (the service already checked the scope)."""
    incident = Incident.objects.get(pk=incident_id)
    return {
        "incident": incident.pk, "reference": incident.reference, "priority": incident.priority, "status": incident.status,
        "command_centre": incident.command_centre_id, "count": 0, "open_count": 0, "kinds": [],
        "latest_raised_at": None, "oldest_open_raised_at": None, "alerts": [],
    }
