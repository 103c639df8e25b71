"""REST API v1: API tokens and the agencies directory."""
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, AgencyType
from agencies.tokens import token_issue, token_revoke
from dispatch.errors import ValidationFailed


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
