"""REST API v1: assignments (an agency accepts, declines, hands off, completes) and supervisor alerts.

A lost race answers 409 with `error.current_status` (and `error.assignment`) so the console can show
who won without another request.
"""
from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors
from incidents.api.serializers import AlertSerializer, AssignmentListItemSerializer, AssignmentSerializer
from incidents.models import Assignment, Incident
from incidents.services import (
    alert_acknowledge,
    assignment_accept,
    assignment_complete,
    assignment_decline,
    assignment_handoff,
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
    """Supervisor alerts of the caller's centres: unacknowledged first, then newest first."""

    serializer_class = AlertSerializer

    class FilterSerializer(serializers.Serializer):
        open = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="1: only unacknowledged alerts.")

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.alerts_visible_to(self.request.user).select_related("incident", "command_centre")
        if filters.validated_data.get("open") is True:
            qs = qs.filter(acknowledged_at__isnull=True)
        elif filters.validated_data.get("open") is False:
            qs = qs.filter(acknowledged_at__isnull=False)
        return qs.order_by(F("acknowledged_at").asc(nulls_first=True), "-created_at", "-id")

    @extend_schema(operation_id="alerts_list", parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AlertAcknowledgeApi(APIView):
    """A supervisor acknowledges an alert, optionally with a note (kept in the `alert.acknowledged` event)."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    @extend_schema(operation_id="alerts_acknowledge", request=InputSerializer, responses={200: AlertSerializer})
    def post(self, request, alert_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_acknowledge(alert_id=alert_id, actor=request.user, note=data.validated_data["note"])
        alert = selectors.alerts_visible_to(request.user).select_related("incident", "command_centre").get(pk=alert.pk)
        return Response(AlertSerializer(alert).data)
