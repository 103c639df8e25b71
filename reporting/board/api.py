"""REST API v1 of the supervisor board: the snapshot and the drill-down of one incident. Read-only; the board's
actions go through the existing endpoints (route, hand off, cancel, acknowledge an alert)."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from reporting.board.selectors import board_incident, board_snapshot


class BoardApi(APIView):
    """`GET /api/v1/board/`: the board of the acting supervisor or official (`?centre=<id>` narrows a provincial
    view to one centre). Other roles: 403; a centre outside the caller's scope: 404."""

    class FilterSerializer(serializers.Serializer):
        centre = serializers.IntegerField(required=False, min_value=1, default=None, help_text="One centre of the caller's scope.")

    @extend_schema(operation_id="board_snapshot", parameters=[FilterSerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(board_snapshot(user=request.user, centre_id=filters.validated_data["centre"]))


class BoardIncidentApi(APIView):
    """`GET /api/v1/board/incidents/{id}/`: one incident of the board with its assignments and whole timeline."""

    @extend_schema(operation_id="board_incident", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, incident_id):
        return Response(board_incident(user=request.user, incident_id=incident_id))
