"""REST API v1: the caller link (issue 24) — the caller's side, by token, without login.

    POST /api/v1/caller-links/{token}/positions/   {lat, lon, accuracy_m, heading?, speed?} → 201
    POST /api/v1/caller-links/{token}/photos/      multipart `photo` (JPEG/PNG/HEIC/WebP ≤ 10 MB) → 201
    GET  /api/v1/caller-links/{token}/messages/    the conversation (`?after=<id>`: only newer messages)
    POST /api/v1/caller-links/{token}/messages/    {text} (≤ 1,000 characters) → 201

Unknown token → 404 `link_not_found`; ended → 410 `link_ended`. Nothing here tells the caller anything about the
incident: the answers hold ids and times of what they sent, and the chat (staff appear as "112", never by name).
Throttled per token and per address (429 `throttled` with Retry-After): fixes 120/min per token (a phone sends one a
second at most), photos 10 per link (429 `photo_limit`) and 30/h per address, messages 30/min per token, reading the
chat 60/min per token. No session, no CSRF: the token is the credential, so a cross-site form gains nothing.
"""
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from dispatch.errors import PayloadTooLarge, field_error
from incidents.models import CallerMessage
from incidents.photos import MAX_UPLOAD_BYTES
from incidents.services import caller_message_receive, caller_photo_receive, caller_position_receive
from incidents.services.callerchat import conversation_for_link
from incidents.services.callerlink import caller_link_live, caller_link_mark_opened, token_hash

# The multipart envelope around a photo: boundaries and headers, far less than this.
MULTIPART_OVERHEAD = 64 * 1024


# ───────────────────────── throttles ─────────────────────────

class _TokenThrottle(SimpleRateThrottle):
    """Per link: keyed by the token's hash (the token itself never reaches the cache)."""

    def get_cache_key(self, request, view):
        token = view.kwargs.get("token") or ""
        return f"throttle_caller_{self.scope}_{token_hash(token)}"


class _AddressThrottle(SimpleRateThrottle):
    """Per client address: one phone, or a script, hammering many tokens."""

    def get_cache_key(self, request, view):
        return f"throttle_caller_{self.scope}_{self.get_ident(request)}"


class PositionTokenThrottle(_TokenThrottle):
    scope, rate = "position", "120/min"


class PositionAddressThrottle(_AddressThrottle):
    scope, rate = "position_addr", "600/min"


class PhotoTokenThrottle(_TokenThrottle):
    scope, rate = "photo", "10/min"


class PhotoAddressThrottle(_AddressThrottle):
    scope, rate = "photo_addr", "30/hour"


class MessageTokenThrottle(_TokenThrottle):
    scope, rate = "message", "30/min"


class MessageAddressThrottle(_AddressThrottle):
    scope, rate = "message_addr", "60/min"


class ReadTokenThrottle(_TokenThrottle):
    scope, rate = "read", "60/min"


class ReadAddressThrottle(_AddressThrottle):
    scope, rate = "read_addr", "600/min"


class _PublicApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # documented beside the usual refusals (dispatch/schema.py): an ended link, and the per-token/per-address limits
    answers_throttled = True
    answers_also = ("410",)


# ───────────────────────── views ─────────────────────────

class CallerPositionReceiveApi(_PublicApi):
    """A fix from the caller's phone. It is shown to the centre as its own marker; it never moves the incident."""

    throttle_classes = [PositionTokenThrottle, PositionAddressThrottle]

    class InputSerializer(serializers.Serializer):
        # Numbers are checked by the service (finite, in range) so every refusal has the same codes.
        lat = serializers.JSONField()
        lon = serializers.JSONField()
        accuracy_m = serializers.JSONField()
        heading = serializers.JSONField(required=False, allow_null=True)
        speed = serializers.JSONField(required=False, allow_null=True)

    @extend_schema(
        operation_id="caller_link_positions_create", auth=[],
        request=inline_serializer("CallerFix", {
            "lat": serializers.FloatField(), "lon": serializers.FloatField(), "accuracy_m": serializers.FloatField(min_value=0),
            "heading": serializers.FloatField(required=False, allow_null=True), "speed": serializers.FloatField(required=False, allow_null=True),
        }),
        responses={201: inline_serializer("CallerFixAck", {"id": serializers.IntegerField(), "received_at": serializers.DateTimeField()})},
    )
    def post(self, request, token):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        position = caller_position_receive(
            token=token, lat=v["lat"], lon=v["lon"], accuracy_m=v["accuracy_m"], heading=v.get("heading"), speed=v.get("speed"),
        )
        return Response({"id": position.pk, "received_at": position.received_at}, status=status.HTTP_201_CREATED)


class _BoundedUploadHandler(FileUploadHandler):
    """Counts the bytes of an upload as they arrive and stops at MAX_UPLOAD_BYTES (413), whatever Content-Length
    claimed: a body sent in chunks has none. Placed first, it sees each chunk before the handlers that store it."""

    chunk_size = 64 * 1024

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > MAX_UPLOAD_BYTES:
            raise _too_large()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) holds the data


def _too_large():
    return PayloadTooLarge(
        _("Foto terlalu besar: paling besar %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="photo_too_large",
    )


class CallerPhotoReceiveApi(_PublicApi):
    """A photo from the caller (multipart field `photo`). Re-encoded before it is stored: no EXIF, GPS or maker data
    survives; anything that is not a decodable JPEG/PNG/HEIC/WebP image is refused (400 `invalid_image`); over 10 MB:
    413 `photo_too_large`, refused from the Content-Length before the body is read."""

    throttle_classes = [PhotoTokenThrottle, PhotoAddressThrottle]
    answers_also = ("410", "413")
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="caller_link_photos_create", auth=[],
        request={"multipart/form-data": inline_serializer("CallerPhotoUpload", {"photo": serializers.FileField()})},
        responses={201: inline_serializer("CallerPhotoAck", {
            "id": serializers.IntegerField(), "width": serializers.IntegerField(), "height": serializers.IntegerField(),
            "received_at": serializers.DateTimeField(),
        })},
    )
    def post(self, request, token):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
            raise _too_large()
        caller_link_live(token)  # 404/410 before a body is parsed for nothing
        request._request.upload_handlers.insert(0, _BoundedUploadHandler(request._request))
        upload = request.data.get("photo") if hasattr(request.data, "get") else None
        if upload is None or not hasattr(upload, "read"):
            raise field_error("photo", _("Pilih foto untuk dikirim."), code="required")
        if upload.size > MAX_UPLOAD_BYTES:
            raise _too_large()
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        photo = caller_photo_receive(token=token, data=data)
        return Response(
            {"id": photo.pk, "width": photo.width, "height": photo.height, "received_at": photo.received_at},
            status=status.HTTP_201_CREATED,
        )


def _public_message(message: CallerMessage) -> dict:
    # Staff appear as the centre, never by name; the caller sees only their own conversation.
    return {"id": message.pk, "direction": message.direction, "text": message.text, "at": message.at}


class CallerMessageExchangeApi(_PublicApi):
    """`GET`: the conversation, both directions, oldest first (`?after=<id>`: only newer ones — the page polls with
    it). `POST {text}`: the caller writes (≤ 1,000 characters)."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=1000)

    def get_throttles(self):
        if self.request.method == "GET":
            return [ReadTokenThrottle(), ReadAddressThrottle()]
        return [MessageTokenThrottle(), MessageAddressThrottle()]

    @extend_schema(
        operation_id="caller_link_messages_list", auth=[],
        responses={200: inline_serializer("CallerChatMessage", {
            "id": serializers.IntegerField(), "direction": serializers.CharField(), "text": serializers.CharField(),
            "at": serializers.DateTimeField(),
        }, many=True)},
    )
    def get(self, request, token):
        link = caller_link_live(token)
        caller_link_mark_opened(link)
        messages = conversation_for_link(link)
        after = request.query_params.get("after")
        if after:
            try:
                messages = messages.filter(pk__gt=int(after))
            except ValueError:
                raise field_error("after", _("Harus berupa angka."), code="invalid") from None
        return Response([_public_message(m) for m in messages[:500]])

    @extend_schema(
        operation_id="caller_link_messages_create", auth=[], request=InputSerializer,
        responses={201: inline_serializer("CallerChatAck", {
            "id": serializers.IntegerField(), "direction": serializers.CharField(), "text": serializers.CharField(),
            "at": serializers.DateTimeField(),
        })},
    )
    def post(self, request, token):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = caller_message_receive(token=token, text=data.validated_data["text"])
        return Response(_public_message(message), status=status.HTTP_201_CREATED)
