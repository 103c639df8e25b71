"""REST API v1: API tokens, the agencies directory and the AED registry's search."""
import math

from django.contrib.auth import authenticate, user_logged_in
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.aeds import MAX_RADIUS_M as MAX_AED_RADIUS_M
from agencies.aeds import aed_summary, aeds_near
from agencies.models import Agency, AgencyType, User
from agencies.scoping import scope_for
from agencies.tokens import token_issue, token_revoke
from dispatch.errors import PermissionDenied, ValidationFailed, field_error


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token; then send `Authorization: Token <token>`."""

    authentication_classes = []
    permission_classes = [AllowAny]
    answers_throttled = True  # 429 too_many_attempts when locked out (agencies/lockout.py)

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(operation_id="auth_token", request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # the HttpRequest, so django-axes can count this failure and mark a lockout (agencies/lockout.py)
        user = authenticate(request=request._request, **data.validated_data)
        if user is None or not user.is_active:
            message = _("Nama pengguna atau kata sandi salah.")
            raise ValidationFailed(message, code="invalid_credentials", fields={"non_field_errors": [message]})
        # a successful sign-in, as the login form's: resets the failure count of this username and address
        # (django-axes) and stamps last_login
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token = token_issue(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


class TokenRevokeApi(APIView):
    """Revoke the caller's API token (a lost laptop, an integration retired). The session stays; a token-
    authenticated caller is signed out at once. Logout revokes it too."""

    @extend_schema(operation_id="auth_token_revoke", request=None, responses={204: None})
    def post(self, request):
        token_revoke(user=request.user)
        return Response(status=204)


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    type = serializers.CharField()
    type_name = serializers.CharField(source="get_type_display")
    command_centre = serializers.CharField(source="command_centre.code")
    regions = serializers.SerializerMethodField()
    phone = serializers.CharField()
    backup_agency = serializers.IntegerField(source="backup_agency_id", allow_null=True)

    def get_regions(self, obj) -> list[str]:
        return sorted(r.code for r in obj.regions.all())


class AgencyListApi(generics.ListAPIView):
    """Active agencies of every centre (a handoff may cross centres). Filters: `type`, `command_centre` (code).
    Not paginated: reference data."""

    serializer_class = AgencySerializer
    pagination_class = None

    class FilterSerializer(serializers.Serializer):
        type = serializers.ChoiceField(choices=AgencyType.choices, required=False)
        command_centre = serializers.CharField(required=False, max_length=16, help_text="Centre code, e.g. `pky`.")

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = Agency.objects.filter(is_active=True).select_related("command_centre").prefetch_related("regions")
        if f.get("type"):
            qs = qs.filter(type=f["type"])
        if f.get("command_centre"):
            qs = qs.filter(command_centre__code=f["command_centre"])
        return qs.order_by("command_centre__code", "type", "name")

    @extend_schema(operation_id="agencies_list", parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- AED registry (issue 30) ----------------------------------------------------------------------------------

def _aed_centre_ids(user):
    """The centres whose AEDs the user may search (None = all): centre staff their centres, a dispatcher their
    agency's centre. Everyone else 403."""
    scope = scope_for(user)
    if scope.is_global:
        return None
    if user.role in (User.Role.CALL_TAKER, User.Role.SUPERVISOR) and scope.centre_ids:
        return set(scope.centre_ids)
    if user.role == User.Role.DISPATCHER and user.agency_id:
        return {user.agency.command_centre_id}
    raise PermissionDenied(_("Hanya petugas pusat panggilan dan dispatcher yang dapat mencari AED."))


def _near(value):
    try:
        lon, lat = (float(part) for part in str(value).split(","))
    except ValueError:
        raise field_error("near", _("Tulis near=bujur,lintang, mis. near=113.92,-2.21."), code="invalid") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise field_error("near", _("Koordinat tidak valid."), code="invalid")
    return Point(lon, lat, srid=4326)


class AedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    location = serializers.DictField(help_text="GeoJSON Point [longitude, latitude].")
    address = serializers.CharField()
    access = serializers.CharField(help_text="`public` (anyone may take it) or `restricted` (ask staff on site).")
    available_hours = serializers.CharField()
    distance_m = serializers.IntegerField()


class AedSearchApi(APIView):
    """`GET /api/v1/aeds/?near=lon,lat&radius_m=N`: the active AEDs of the user's centres within `radius_m` (default
    800, at most 50,000) of the point, nearest first (at most 50). Centre staff and dispatchers; 400 `invalid` /
    `required` / `out_of_range` on bad parameters."""

    class FilterSerializer(serializers.Serializer):
        near = serializers.CharField(max_length=64, help_text="`lon,lat` (WGS 84), e.g. `113.9213,-2.2096`.")
        radius_m = serializers.IntegerField(required=False, default=800, min_value=1, max_value=MAX_AED_RADIUS_M)

    @extend_schema(operation_id="aeds_search", parameters=[FilterSerializer], responses={200: AedSerializer(many=True)})
    def get(self, request):
        centre_ids = _aed_centre_ids(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        point = _near(filters.validated_data["near"])
        found = aeds_near(point=point, radius_m=filters.validated_data["radius_m"], centre_ids=centre_ids)
        return Response([aed_summary(aed) for aed in found])
