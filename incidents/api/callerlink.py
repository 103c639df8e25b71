"""REST API v1: the caller link (issue 24) — the staff side.

    POST /api/v1/incidents/{id}/caller-link/                      text the caller a link → 201 (200: the same link again)
    GET  /api/v1/incidents/{id}/caller-link/                      the incident's links, newest first
    POST /api/v1/incidents/{id}/caller-link/{link_id}/revoke/     end a link → 200
    GET  /api/v1/incidents/{id}/caller-positions/                 fixes, newest first
    POST /api/v1/incidents/{id}/caller-positions/{pid}/adopt/     move the incident to a fix → 200
    GET  /api/v1/incidents/{id}/caller-photos/                    photos (their image URLs need a login in scope)
    GET  /api/v1/incidents/{id}/caller-photos/{photo_id}/image/   the image (`?size=thumb`: 320 px)
    GET/POST /api/v1/incidents/{id}/caller-messages/              the conversation; a reply

The same under /api/v1/calls/{id}/ for a call whose incident does not exist yet (adopting a fix there fills the
call-taker's form instead). The caller's side (by token, no login) is incidents.api.caller_public.
"""
from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.errors import NotFound
from dispatch.schema import ErrorResponseSerializer
from incidents import selectors
from incidents.api.serializers import IncidentSerializer, NearestUnitSerializer, represent, represent_many
from incidents.models import CallerLink
from incidents.routing import nearest_available_units
from incidents.services import caller_link_revoke, caller_link_send, caller_message_send, caller_position_adopt
from incidents.services.callerlink import link_end_cause

NEAREST_UNITS = 5


def _owner_kwargs(kwargs) -> dict:
    return {"incident_id": kwargs.get("incident_id"), "call_id": kwargs.get("call_id")}


def _base_url(request) -> str:
    """Where the caller's phone reaches the site: PUBLIC_BASE_URL in production, else the address this request used."""
    return settings.PUBLIC_BASE_URL or request.build_absolute_uri("/")


class CallerLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    live = serializers.SerializerMethodField()
    sent_to = serializers.CharField()
    call = serializers.IntegerField(source="call_id", allow_null=True)
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    created_at = serializers.DateTimeField()
    last_sent_at = serializers.DateTimeField()
    send_count = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)

    def get_live(self, link) -> bool:
        return link_end_cause(link) is None


class CallerLinkSentSerializer(CallerLinkSerializer):
    url = serializers.CharField(help_text="The link texted to the caller (shown once: only its hash is stored).")
    resent = serializers.BooleanField()


class CallerPositionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    link = serializers.IntegerField(source="link_id")
    lat = serializers.FloatField(source="location.y")
    lon = serializers.FloatField(source="location.x")
    accuracy_m = serializers.FloatField()
    heading = serializers.FloatField(allow_null=True)
    speed = serializers.FloatField(allow_null=True)
    received_at = serializers.DateTimeField()
    adopted_at = serializers.DateTimeField(allow_null=True)


class CallerPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    link = serializers.IntegerField(source="link_id")
    url = serializers.SerializerMethodField(help_text="The image; needs a logged-in user in scope.")
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    received_at = serializers.DateTimeField()

    def _url(self, photo) -> str:
        owner = self.context["owner"]
        if "incident_id" in owner:
            return reverse("api-incident-caller-photo-image", kwargs={"incident_id": owner["incident_id"], "photo_id": photo.pk})
        return reverse("api-call-caller-photo-image", kwargs={"call_id": owner["call_id"], "photo_id": photo.pk})

    def get_url(self, photo) -> str:
        return self._url(photo)

    def get_thumbnail_url(self, photo) -> str:
        return self._url(photo) + "?size=thumb"


class CallerMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    link = serializers.IntegerField(source="link_id", allow_null=True)
    direction = serializers.CharField(help_text="`in` from the caller, `out` from the centre.")
    channel = serializers.CharField(help_text="`web` (the link's page) or `sms`.")
    text = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.IntegerField(source="by_id", allow_null=True)
    by_name = serializers.SerializerMethodField()

    def get_by_name(self, message) -> str | None:
        return (message.by.get_full_name() or message.by.username) if message.by_id else None


def _owner_context(kwargs) -> dict:
    return {k: v for k, v in _owner_kwargs(kwargs).items() if v is not None}


class CallerLinkApi(APIView):
    """`POST`: text the caller a link (call-takers and supervisors of the centre); `number` defaults to the caller's.
    201 with the link texted: a new one, or — when the last was sent to that number less than a minute ago — the same
    one texted again (`resent: true`; "I didn't get it"). Every send texts the caller, so every send answers 201.
    `GET`: the links sent, newest first."""

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="Defaults to the caller's number.")

    @extend_schema(operation_id="caller_links_list", responses={200: CallerLinkSerializer(many=True)})
    def get(self, request, **kwargs):
        links = selectors.caller_links_for(request.user, **_owner_kwargs(kwargs)).select_related("incident", "call")
        return Response(CallerLinkSerializer(links, many=True).data)

    @extend_schema(
        operation_id="caller_links_send", request=InputSerializer,
        responses={201: CallerLinkSentSerializer},
        description="Refusals: `required` (no number known), `incident_closed`, `call_closed`, `invalid_phone`.",
    )
    def post(self, request, **kwargs):
        selectors.caller_data_owner(request.user, **_owner_kwargs(kwargs))  # out of scope: 404 before any 400/403
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link, created, url = caller_link_send(
            actor=request.user, base_url=_base_url(request), number=data.validated_data.get("number"), **_owner_kwargs(kwargs)
        )
        link = CallerLink.objects.select_related("incident", "call").get(pk=link.pk)
        body = {**CallerLinkSerializer(link).data, "url": url, "resent": not created}
        return Response(body, status=status.HTTP_201_CREATED)


class CallerLinkRevokeApi(APIView):
    """End a link at once (sent to a wrong number, misused). Revoking an ended link changes nothing."""

    @extend_schema(operation_id="caller_links_revoke", request=None, responses={200: CallerLinkSerializer})
    def post(self, request, link_id, **kwargs):
        selectors.caller_data_owner(request.user, **_owner_kwargs(kwargs))
        link = caller_link_revoke(actor=request.user, link_id=link_id, **_owner_kwargs(kwargs))
        link = CallerLink.objects.select_related("incident", "call").get(pk=link.pk)
        return Response(CallerLinkSerializer(link).data)


class CallerPositionListApi(APIView):
    """The caller's fixes, newest first: `id, lat, lon, accuracy_m, received_at` (+ heading, speed, adopted_at)."""

    @extend_schema(operation_id="caller_positions_list", responses={200: CallerPositionSerializer(many=True)})
    def get(self, request, **kwargs):
        positions = selectors.caller_positions_for(request.user, **_owner_kwargs(kwargs))[:500]
        return Response(CallerPositionSerializer(positions, many=True).data)


class CallerPositionAdoptApi(APIView):
    """Move the incident to the caller's fix (one `incident.updated` event: location, location_accuracy_m and
    `location_source = "caller_link"`). Answers with the incident, the nearest available units and the open incidents
    that may be the same one, both recomputed for the new place."""

    @extend_schema(operation_id="caller_positions_adopt", request=None, responses={200: IncidentSerializer})
    def post(self, request, incident_id, position_id):
        selectors.caller_data_owner(request.user, incident_id=incident_id)
        incident = caller_position_adopt(actor=request.user, incident_id=incident_id, position_id=position_id)
        incident = selectors.incident_get_for(request.user, incident.pk)
        units = nearest_available_units(point=incident.location, capabilities=incident.category.required_capabilities, limit=NEAREST_UNITS)
        duplicates = [
            row for row in selectors.duplicate_candidates(
                centre_ids=[incident.command_centre_id], category=incident.category, point=incident.location,
                caller_number=incident.caller_number,
            ) if row["id"] != incident.pk
        ]
        body = {
            **represent(IncidentSerializer, incident),
            "nearest_units": represent_many(NearestUnitSerializer, units),
            "duplicates": duplicates,
        }
        return Response(body)


class CallerPhotoListApi(APIView):
    @extend_schema(operation_id="caller_photos_list", responses={200: CallerPhotoSerializer(many=True)})
    def get(self, request, **kwargs):
        photos = selectors.caller_photos_for(request.user, **_owner_kwargs(kwargs))
        return Response(CallerPhotoSerializer(photos, many=True, context={"owner": _owner_context(kwargs)}).data)


class CallerPhotoImageApi(APIView):
    """The photo itself, only to a logged-in user who may read the incident's caller data (there is no public URL).
    `?size=thumb`: the 320-pixel thumbnail."""

    @extend_schema(
        operation_id="caller_photos_image",
        parameters=[OpenApiParameter("size", str, required=False, enum=["full", "thumb"])],
        responses={(200, "image/jpeg"): bytes},
    )
    def get(self, request, photo_id, **kwargs):
        photo = selectors.caller_photos_for(request.user, **_owner_kwargs(kwargs)).filter(pk=photo_id).first()
        if photo is None:
            raise NotFound(_("Foto tidak ditemukan."), code="photo_not_found")
        field = photo.thumbnail if request.query_params.get("size") == "thumb" else photo.image
        try:
            handle = field.open("rb")
        except (FileNotFoundError, OSError):
            raise NotFound(_("Foto tidak ditemukan."), code="photo_not_found") from None
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = f'inline; filename="foto-penelepon-{photo.pk}.jpg"'
        return response


class CallerMessageApi(APIView):
    """`GET`: the whole conversation with the caller, both directions (the link's page and SMS), oldest first.
    `POST {text}`: a reply — shown on the link's page, or sent by SMS when the caller last wrote by SMS."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=1000, trim_whitespace=True)

    @extend_schema(operation_id="caller_messages_list", responses={200: CallerMessageSerializer(many=True)})
    def get(self, request, **kwargs):
        messages = selectors.caller_messages_for(request.user, **_owner_kwargs(kwargs))
        return Response(CallerMessageSerializer(messages, many=True).data)

    @extend_schema(
        operation_id="caller_messages_send", request=InputSerializer,
        # 410 `link_ended`: every link to the caller has ended (revoked, expired): send a new one first
        responses={201: CallerMessageSerializer, 410: ErrorResponseSerializer},
    )
    def post(self, request, **kwargs):
        selectors.caller_data_owner(request.user, **_owner_kwargs(kwargs))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = caller_message_send(actor=request.user, text=data.validated_data["text"], **_owner_kwargs(kwargs))
        return Response(CallerMessageSerializer(message).data, status=status.HTTP_201_CREATED)


# The same views under /api/v1/calls/{id}/ (a call whose incident does not exist yet), with operation ids of their own.
def _call_variant(view, **operation_ids):
    variant = type(f"Call{view.__name__}", (view,), {"__doc__": view.__doc__})
    return extend_schema_view(**{method: extend_schema(operation_id=op) for method, op in operation_ids.items()})(variant)


CallCallerLinkApi = _call_variant(CallerLinkApi, get="call_caller_links_list", post="call_caller_links_send")
CallCallerLinkRevokeApi = _call_variant(CallerLinkRevokeApi, post="call_caller_links_revoke")
CallCallerPositionListApi = _call_variant(CallerPositionListApi, get="call_caller_positions_list")
CallCallerPhotoListApi = _call_variant(CallerPhotoListApi, get="call_caller_photos_list")
CallCallerPhotoImageApi = _call_variant(CallerPhotoImageApi, get="call_caller_photos_image")
CallCallerMessageApi = _call_variant(CallerMessageApi, get="call_caller_messages_list", post="call_caller_messages_send")
