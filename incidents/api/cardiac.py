"""REST API v1: the steps of dispatcher-assisted CPR on a suspected cardiac arrest (issue 30)."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.api import RejectUnknownFieldsMixin
from incidents import cardiac, selectors
from incidents.services.cardiac import cardiac_arrest_step
from incidents.services.common import is_centre_staff


class CprStepApi(APIView):
    """`POST {"step": …}` records when a CPR step was reached: `recognised`, `instructions_started`,
    `first_compression`, `aed_on_scene`, `ems_on_scene`, `stopped` (optionally with `outcome`: `rosc`,
    `transported`, `deceased`, `unknown`). 201 when recorded now; 200 with the original time when the step already
    had one (the first time stands). `recognised` on an incident not suspected yet flags it (P1, automatic call-out);
    another step before that is 409 `cardiac_arrest_not_recognised`. 400 `unknown_step` / `invalid_outcome` /
    `outcome_only_when_stopped`; another centre's incident 404; roles other than centre staff 403."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        step = serializers.CharField(max_length=40, help_text="One of: " + ", ".join(cardiac.STEPS))
        outcome = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20,
                                        help_text="With `stopped` only: " + ", ".join(cardiac.OUTCOMES))
        at = serializers.DateTimeField(required=False, allow_null=True,
                                       help_text="When the step was reached, for a step taken before the incident was saved: "
                                                 "between the call's answer and now (+5 s); default now.")

    @extend_schema(
        operation_id="incidents_cpr_step",
        request=InputSerializer,
        responses={
            200: inline_serializer("CprStepRepeated", {
                "incident": serializers.IntegerField(), "step": serializers.CharField(), "at": serializers.DateTimeField(),
                "recorded": serializers.BooleanField(), "cardiac_arrest": serializers.DictField(),
            }),
            201: inline_serializer("CprStepRecorded", {
                "incident": serializers.IntegerField(), "step": serializers.CharField(), "at": serializers.DateTimeField(),
                "recorded": serializers.BooleanField(), "cardiac_arrest": serializers.DictField(),
            }),
        },
    )
    def post(self, request, incident_id):
        if not is_centre_staff(request.user):
            # the service refuses these roles with 403; an incident they cannot see stays a 404
            selectors.incident_get_for(request.user, incident_id)
        data = self.InputSerializer(data=request.data)
        if not data.is_valid():
            selectors.incident_get_for(request.user, incident_id)  # out of scope is "not found" before any 400
            raise serializers.ValidationError(data.errors)
        step = data.validated_data["step"]
        arrest, recorded = cardiac_arrest_step(
            incident_id=incident_id, actor=request.user, step=step, outcome=data.validated_data.get("outcome"),
            at=data.validated_data.get("at"),
        )
        block = cardiac.arrest_block(arrest)
        body = {
            "incident": arrest.incident_id,
            "step": step,
            "at": block[cardiac.STEPS[step]],
            "recorded": recorded,
            "cardiac_arrest": block,
        }
        return Response(body, status=status.HTTP_201_CREATED if recorded else status.HTTP_200_OK)
