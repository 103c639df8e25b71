"""REST API v1: API tokens and the agencies directory."""
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, AgencyType
from dispatch.errors import ValidationFailed


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token; then send `Authorization: Token <token>`."""

    authentication_classes = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(operation_id="auth_token", request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request=request, **data.validated_data)
        if user is None or not user.is_active:
            message = _("Nama pengguna atau kata sandi salah.")
            raise ValidationFailed(message, code="invalid_credentials", fields={"non_field_errors": [message]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


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
