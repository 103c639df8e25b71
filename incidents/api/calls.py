"""REST API v1: calls — PBX ringing, answer, claim, close (and undo it), link as duplicate; a number's history.

Each view parses input, calls one service, renders output. Nothing else.
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import CommandCentre, User
from agencies.scoping import scope_for
from dispatch.errors import NotFound, PermissionDenied, field_error
from incidents import selectors
from incidents.api.serializers import CallerHistorySerializer, CallSerializer, IncidentListItemSerializer
from incidents.models import Call
from incidents.services import (
    call_claim,
    call_close,
    call_end,
    call_link_duplicate,
    call_register_ringing,
    call_reopen,
    call_start_once,
)


CALL_KEY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="The console's key for this call (a UUID): a repeat answers the first call with 200.",
)


def _centre_scope(user):
    scope = scope_for(user)
    return None if scope.is_global else scope.centre_ids


def _render_call(call):
    call = Call.objects.select_related("command_centre").get(pk=call.pk)
    return CallSerializer(call).data


def _render_call_with_history(call, user):
    """The call plus what the centre knows about its number (null when the number is unknown)."""
    body = _render_call(call)
    history = selectors.caller_history(centres=_centre_scope(user), number=call.caller_number) if call.caller_number else None
    body["caller_history"] = CallerHistorySerializer(history).data if history is not None else None
    return body


class CallWithHistorySerializer(CallSerializer):
    caller_history = CallerHistorySerializer(allow_null=True)


class CallListCreateApi(APIView):
    """`GET`: the centre's calls (e.g. `?status=ringing` for the calls waiting to be picked up).
    `POST`: a ringing call pushed by the PBX, idempotent by `external_id`."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Call.Status.choices, required=False)

    class InputSerializer(serializers.Serializer):
        caller_number = serializers.CharField(max_length=32, allow_blank=True, required=False, default="")
        line = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
        started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        external_id = serializers.CharField(max_length=100)
        command_centre = serializers.CharField(
            max_length=16, required=False, help_text="The centre's code (e.g. `pky`); defaults to the integration account's centre."
        )

    @extend_schema(
        operation_id="calls_list",
        parameters=[FilterSerializer],
        responses={200: CallSerializer(many=True)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.calls_visible_to(request.user).select_related("command_centre")
        if "status" in filters.validated_data:
            qs = qs.filter(status=filters.validated_data["status"])
        qs = qs.order_by("-id")[:100]
        return Response(CallSerializer(qs, many=True).data)

    @extend_schema(
        operation_id="calls_ringing",
        request=InputSerializer,
        responses={201: CallSerializer, 200: CallSerializer},
        description="A ringing call from the PBX. 201 the first time, 200 with the same call when `external_id` repeats. "
        "The integration account is an admin, or a call-taker/supervisor of the centre.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        centre = self._centre(request.user, v.get("command_centre"))
        call, created = call_register_ringing(
            command_centre=centre,
            caller_number=v["caller_number"],
            external_id=v["external_id"],
            line=v["line"],
            started_at=v["started_at"],
        )
        return Response(_render_call(call), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @staticmethod
    def _centre(user, code):
        """A PBX integration account is an admin (names the centre) or centre staff of that centre."""
        scope = scope_for(user)
        if not scope.is_global and user.role not in (User.Role.CALL_TAKER, User.Role.SUPERVISOR):
            raise PermissionDenied(_("Akun ini tidak dapat mendaftarkan panggilan masuk."))
        if not code:
            if user.command_centre_id:
                return user.command_centre
            raise field_error("command_centre", _("Sebutkan kode pusat panggilan."), code="required")
        centre = CommandCentre.objects.filter(code=code).first()
        if centre is None or not (scope.is_global or centre.pk in scope.centre_ids):
            raise field_error("command_centre", _("Pusat panggilan '%(code)s' tidak dikenal.") % {"code": code}, code="unknown_centre")
        return centre


class CallStartApi(APIView):
    """The call-taker answers a call that no PBX pushed (typed in, walk-in, or no telephony integration).

    With header `Idempotency-Key` (the console's key for a call started while the server was away, issue 26) the
    call is created once: 201 the first time, 200 with the same call when the key repeats. `answered_at` is when the
    call was really answered (the console's clock, within [now − 24 h, now + 5 min])."""

    class InputSerializer(serializers.Serializer):
        caller_number = serializers.CharField(max_length=32, allow_blank=True, required=False, default="")
        caller_name = serializers.CharField(max_length=120, allow_blank=True, required=False, default="")
        line = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
        answered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="calls_start", request=InputSerializer, parameters=[CALL_KEY_HEADER],
        responses={201: CallWithHistorySerializer, 200: CallWithHistorySerializer},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call, created = call_start_once(
            actor=request.user, client_key=request.headers.get("Idempotency-Key") or None, **data.validated_data,
        )
        return Response(_render_call_with_history(call, request.user), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CallClaimApi(APIView):
    """The first call-taker to pick up a ringing call gets it; the others get 409 `call_already_claimed`."""

    @extend_schema(operation_id="calls_claim", request=None, responses={200: CallWithHistorySerializer})
    def post(self, request, call_id):
        call = call_claim(call_id=call_id, actor=request.user)
        return Response(_render_call_with_history(call, request.user))


class CallCloseApi(APIView):
    """Close a call that is not an emergency — ghost, prank, info, misdial or test — in one keystroke."""

    class InputSerializer(serializers.Serializer):
        disposition = serializers.ChoiceField(choices=sorted(Call.NON_INCIDENT_DISPOSITIONS))
        note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)

    @extend_schema(operation_id="calls_close", request=InputSerializer, responses={200: CallSerializer})
    def post(self, request, call_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call = call_close(call_id=call_id, actor=request.user, **data.validated_data)
        return Response(_render_call(call))


class CallReopenApi(APIView):
    """Undo a one-key classification (ghost, prank, info, misdial, test): the call is in progress again and the
    disposition no longer counts in the number's history. By whoever closed it, or a supervisor of the centre, within
    10 minutes: another user 403 (404 outside their centres), later 409 `reopen_window_passed`, a call that was not
    closed that way 409 `call_not_reopenable`. Answers with the call and its number's history as it now reads."""

    @extend_schema(operation_id="calls_reopen", request=None, responses={200: CallWithHistorySerializer})
    def post(self, request, call_id):
        call = call_reopen(call_id=call_id, actor=request.user)
        return Response(_render_call_with_history(call, request.user))


class CallEndApi(APIView):
    """Hang up a call already classified (its incident is logged). Ending an ended call is a no-op."""

    @extend_schema(operation_id="calls_end", request=None, responses={200: CallSerializer})
    def post(self, request, call_id):
        call = call_end(call_id=call_id, actor=request.user)
        return Response(_render_call(call))


class CallLinkApi(APIView):
    """The caller reports an incident that is already open: link the call to it as a duplicate."""

    class InputSerializer(serializers.Serializer):
        incident = serializers.IntegerField(min_value=1)

    class OutputSerializer(serializers.Serializer):
        call = CallSerializer()
        incident = IncidentListItemSerializer()

    @extend_schema(operation_id="calls_link", request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request, call_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = call_link_duplicate(call_id=call_id, incident_id=data.validated_data["incident"], actor=request.user)
        incident = selectors.incident_get_for(request.user, incident.pk)
        call = Call.objects.select_related("command_centre").get(pk=call_id)
        return Response(self.OutputSerializer({"call": call, "incident": incident}).data)


class CallerHistoryApi(APIView):
    """What the user's centre(s) know about a number: calls by disposition in the last `days` days, the
    latest calls, open and past incidents."""

    class FilterSerializer(serializers.Serializer):
        days = serializers.IntegerField(min_value=1, max_value=365, required=False, default=30)

    @extend_schema(
        operation_id="callers_history",
        parameters=[FilterSerializer, OpenApiParameter("number", str, OpenApiParameter.PATH)],
        responses={200: CallerHistorySerializer},
    )
    def get(self, request, number):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        scope = scope_for(request.user)
        if not (scope.is_global or scope.centre_ids):
            raise NotFound(_("Riwayat penelepon hanya untuk petugas pusat panggilan."), code="not_found")
        if len(number) > 32:
            raise field_error("number", _("Nomor telepon terlalu panjang."), code="too_long")
        history = selectors.caller_history(centres=_centre_scope(request.user), number=number, days=filters.validated_data["days"])
        return Response(CallerHistorySerializer(history).data)

