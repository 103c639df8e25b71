"""REST API v1: standards — NENA EIDO export/import, OASIS CAP alerts and feed, AML/ELS receiver, notifications.

One view per operation; parsing here, rules in incidents.services.interop and incidents.notifications.
"""
import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from lxml import etree
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import User
from agencies.tokens import ExpiringTokenAuthentication
from dispatch.api import GatewaySecretPermission, NulCharacters, has_nul, loads_bounded
from dispatch.errors import NotFound
from agencies.scoping import scope_for
from incidents import selectors
from incidents.interop.aml import KNOWN_FIELDS, parse_aml_sms
from incidents.interop.cap import CAP_CONTENT_TYPE, cap_atom_feed, incident_to_cap
from incidents.interop.eido import incident_to_eido
from incidents.models import Incident, Notification
from incidents.services.interop import aml_report_receive, incident_import_eido, incident_set_public_alert

logger = logging.getLogger(__name__)

AML_MAX_BODY = 64 * 1024
EIDO_MEDIA = "application/json"


def _eido_response(incident, status_code=200):
    document = incident_to_eido(incident)
    return Response(document, status=status_code, headers={"Location": reverse("api-incident-eido", args=[incident.pk])})


class IncidentEidoApi(APIView):
    """The incident as a NENA-STA-021 EIDO 1.0 document (validates against the official schema)."""

    @extend_schema(
        operation_id="incident_eido",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="EIDO document (NENA-STA-021, JSON).")},
        tags=["interop"],
    )
    def get(self, request, pk):
        if request.user.role == User.Role.VOLUNTEER:
            # The EIDO carries the caller (name, callback number): never for a volunteer called out to the incident.
            raise NotFound(gettext("Kejadian tidak ditemukan."), code="incident_not_found")
        incident = selectors.incident_get_for(request.user, pk)
        return Response(incident_to_eido(incident))


class RawJsonParser(BaseParser):
    """Keep the EIDO exactly as sent (DRF's JSONParser would also do; this one refuses non-objects clearly)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            value = loads_bounded(stream.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error: {exc}") from None
        if has_nul(value):
            raise NulCharacters()
        return value


class EidoImportApi(APIView):
    """Import an incident sent by another CAD (e.g. a neighbouring centre) as an EIDO.

    Validated against the official schema (400 listing every violation; nothing is stored),
    created in the caller's centre, deduplicated by the EIDO's tracking identifier (`$id`):
    201 with the new incident's EIDO, 200 with the existing one on a repeat."""

    parser_classes = [RawJsonParser]

    @extend_schema(
        operation_id="eido_import",
        request={EIDO_MEDIA: OpenApiTypes.OBJECT},
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT, description="Created: the new incident as EIDO."),
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Already received: the existing incident as EIDO."),
        },
        tags=["interop"],
    )
    def post(self, request):
        incident, created = incident_import_eido(document=request.data, actor=request.user)
        response = _eido_response(incident, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["X-Incident-Id"] = str(incident.pk)
        response["X-Incident-Reference"] = incident.reference
        return response


CAP_RESPONSES = {
    (200, CAP_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.STR, description="CAP 1.2 alert (XML)."),
    (200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="The same, when the client asks for application/xml."),
}


class _XmlRenderer(BaseRenderer):
    """Lets content negotiation accept XML clients; successful views hand over finished XML bytes, and
    errors (the usual {"error": {...}} dict) are written as a small XML document."""

    charset = "utf-8"
    format = "xml"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        root = etree.Element("error")
        body = data.get("error", data) if isinstance(data, dict) else {"message": str(data)}
        for key in ("code", "message"):
            etree.SubElement(root, key).text = str(body.get(key, ""))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class CapXmlRenderer(_XmlRenderer):
    media_type = CAP_CONTENT_TYPE


class PlainXmlRenderer(_XmlRenderer):
    media_type = "application/xml"


class AtomRenderer(_XmlRenderer):
    media_type = "application/atom+xml"


CAP_RENDERERS = [CapXmlRenderer, PlainXmlRenderer, JSONRenderer]


def _cap_response(xml: bytes, request) -> HttpResponse:
    renderer = getattr(request, "accepted_renderer", None)
    content_type = "application/xml" if isinstance(renderer, PlainXmlRenderer) else CAP_CONTENT_TYPE
    return HttpResponse(xml, content_type=f"{content_type}; charset=utf-8")


class IncidentCapApi(APIView):
    """The incident as an OASIS CAP 1.2 alert (scope Public when marked public, else Restricted).
    Never carries the caller's name or number."""

    renderer_classes = CAP_RENDERERS

    @extend_schema(
        operation_id="incident_cap",
        parameters=[
            OpenApiParameter("status", str, enum=["Actual", "Exercise", "System", "Test", "Draft"], required=False),
            OpenApiParameter("msgType", str, enum=["Alert", "Update", "Cancel"], required=False),
        ],
        responses=CAP_RESPONSES,
        tags=["interop"],
    )
    def get(self, request, pk):
        incident = selectors.incident_get_for(request.user, pk)
        cap_status = request.query_params.get("status", "Actual")
        if cap_status not in ("Actual", "Exercise", "System", "Test", "Draft"):
            cap_status = "Actual"
        msg_type = request.query_params.get("msgType")
        if msg_type not in ("Alert", "Update", "Cancel"):
            msg_type = None
        return _cap_response(incident_to_cap(incident, status=cap_status, msg_type=msg_type), request)


class CapFeedPermission(BasePermission):
    def has_permission(self, request, view):
        return settings.CAP_FEED_PUBLIC or bool(request.user and request.user.is_authenticated)


def public_alerts():
    """Incidents marked public: open ones, and closed ones for a while (as AllClear updates)."""
    since = timezone.now() - timedelta(hours=settings.CAP_FEED_KEEP_CLOSED_HOURS)
    return (
        Incident.objects.filter(is_public_alert=True)
        .filter(Q(status__in=Incident.OPEN_STATUSES) | Q(updated_at__gte=since))
        .select_related("category", "command_centre", "regency", "district", "village")
        .order_by("-updated_at")[:100]
    )


class CapFeedApi(APIView):
    """Atom feed of the public CAP alerts (each entry embeds the alert). Readable without login unless
    CAP_FEED_PUBLIC is False. Public alerts carry no caller data and no free-text description."""

    permission_classes = [CapFeedPermission]
    authentication_classes = [ExpiringTokenAuthentication]
    renderer_classes = [AtomRenderer, PlainXmlRenderer, JSONRenderer]

    @extend_schema(
        operation_id="cap_feed",
        responses={(200, "application/atom+xml"): OpenApiResponse(OpenApiTypes.STR, description="Atom feed of CAP 1.2 alerts.")},
        tags=["interop"],
        auth=[{}],
    )
    def get(self, request):
        incidents = list(public_alerts())
        xml = cap_atom_feed(
            incidents,
            feed_url=request.build_absolute_uri(reverse("api-cap-feed")),
            alert_url=lambda i: request.build_absolute_uri(reverse("api-cap-alert", args=[i.pk])),
        )
        return HttpResponse(xml, content_type="application/atom+xml; charset=utf-8")


class CapPublicAlertApi(APIView):
    """One public alert of the feed, by incident id (404 unless the incident is marked public)."""

    permission_classes = [CapFeedPermission]
    authentication_classes = [ExpiringTokenAuthentication]
    renderer_classes = CAP_RENDERERS

    @extend_schema(
        operation_id="cap_public_alert",
        responses=CAP_RESPONSES,
        tags=["interop"],
        auth=[{}],
    )
    def get(self, request, pk):
        incident = next((i for i in public_alerts() if i.pk == pk), None)
        if incident is None:
            raise exceptions.NotFound()
        return _cap_response(incident_to_cap(incident, include_description=False), request)


class IncidentPublicAlertApi(APIView):
    """Publish the incident in the public CAP feed (`{"public": true}`) or withdraw it (`false`)."""

    class InputSerializer(serializers.Serializer):
        public = serializers.BooleanField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        reference = serializers.CharField()
        is_public_alert = serializers.BooleanField()

    @extend_schema(operation_id="incident_public_alert", request=InputSerializer, responses={200: OutputSerializer}, tags=["interop"])
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.incident_get_for(request.user, pk)
        incident = incident_set_public_alert(incident_id=pk, actor=request.user, public=data.validated_data["public"])
        return Response(self.OutputSerializer(incident).data)


# --- AML ------------------------------------------------------------------------------------------

ALL_CENTRES = None


def aml_gateway_centres(request):
    """The centres whose calls this gateway's fixes may attach to: ALL_CENTRES (None) for the national shared
    secret, a set of centre codes for a per-centre secret (settings.AML_GATEWAYS); False when the request carries
    no valid gateway secret. Secrets are compared in constant time."""
    offered = request.META.get("HTTP_X_AML_SECRET", "")
    if not offered:
        return False
    shared = settings.AML_SHARED_SECRET
    if shared and hmac.compare_digest(shared.encode(), offered.encode()):
        return ALL_CENTRES
    for secret, centres in (settings.AML_GATEWAYS or {}).items():
        if secret and hmac.compare_digest(str(secret).encode(), offered.encode()):
            return frozenset(str(code) for code in (centres or []))
    return False


class AmlGatewayPermission(GatewaySecretPermission):
    """Only a gateway's own credential posts handset locations: the `X-AML-Secret` header (a national secret, or
    one per centre). A user's token — even a supervisor's — is not a gateway: it could move any caller's pin.
    Failed secrets are throttled per address (dispatch.api.GatewaySecretPermission)."""

    message = "AML gateway credentials required (X-AML-Secret header)."
    gateway = "aml"

    def secret_ok(self, request, view):
        centres = aml_gateway_centres(request)
        if centres is False:
            return False
        request.aml_centre_codes = centres
        return True


class AcceptAnythingParser(BaseParser):
    """AML bodies are read by the view itself, whatever they claim to be; DRF must never refuse them."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


def _read_body(request) -> tuple[dict, list[str], object]:
    """(fields, problems, raw) from a JSON or form body, tolerating anything."""
    problems = []
    raw_request = request._request
    try:
        body = raw_request.body
    except Exception:  # noqa: BLE001 — RequestDataTooBig, broken streams
        return {}, ["body could not be read"], None
    if len(body) > AML_MAX_BODY:
        problems.append(f"body too large ({len(body)} bytes), truncated")
        body = body[:AML_MAX_BODY]
    content_type = (raw_request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    text = body.decode("utf-8", errors="replace")
    fields = None
    if content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            fields = loads_bounded(text)
        except ValueError:
            problems.append("body is not valid JSON")
        else:
            if not isinstance(fields, dict):
                problems.append(f"JSON body is a {type(fields).__name__}, not an object")
                fields = None
    if fields is None and content_type == "multipart/form-data":
        try:
            form = raw_request.POST
            fields = {k: form.getlist(k)[0] for k in form.keys() if form.getlist(k)}
        except Exception:  # noqa: BLE001 — MultiPartParserError and friends
            problems.append("malformed multipart body")
            fields = None
    if fields is None and text.strip():
        try:
            query = QueryDict(text, encoding="utf-8")
            fields = {k: query.getlist(k)[0] for k in query.keys() if query.getlist(k)}
        except Exception:  # noqa: BLE001
            fields = None
        if not fields or not (set(fields) & (KNOWN_FIELDS | {"from", "body"})):
            if content_type not in ("application/json",):
                problems.append(f"body is neither JSON nor form fields (content type {content_type or 'none'!r})")
            fields = fields or {}
    if not text.strip():
        problems.append("empty body")
    if request.query_params and not fields:
        # Some gateways send the ELS fields in the query string.
        fields = {k: v for k, v in request.query_params.items()}
    raw = {"content_type": content_type[:100], "body": text[:8000]}
    return fields or {}, problems, raw


class AmlAckSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="The fix is now the call's device location (false: rejected, older, or no call).")
    duplicate = serializers.BooleanField()
    report = serializers.IntegerField(allow_null=True)
    attached_call = serializers.IntegerField(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField())


def _aml_ack(report, created, extra_problems=()):
    body = {
        "received": True,
        "applied": bool(report and report.call_id and not any(p.startswith(("rejected", "not applied")) for p in report.problems)),
        "duplicate": not created,
        "report": report.pk if report else None,
        "attached_call": report.call_id if report else None,
        "problems": list(extra_problems) if report is None else list(report.problems),
    }
    return Response(body, status=status.HTTP_200_OK)


ELS_REQUEST = inline_serializer(
    "AmlElsInput",
    {name: serializers.CharField(required=False, allow_blank=True) for name in sorted(KNOWN_FIELDS - {"message_length", "aml_version"})},
)


class AmlApi(APIView):
    """AML / Android ELS receiver (HTTPS). Form-encoded or JSON with the ELS field names.

    Always answers 200 for whatever payload arrives (problems are stored with the report and echoed);
    a duplicate is acknowledged and not stored twice. Only missing credentials get 401/403."""

    permission_classes = [AmlGatewayPermission]
    parser_classes = [AcceptAnythingParser]

    @extend_schema(
        operation_id="aml_receive",
        request={"application/x-www-form-urlencoded": ELS_REQUEST, "application/json": ELS_REQUEST},
        responses={200: AmlAckSerializer},
        parameters=[OpenApiParameter("X-AML-Secret", str, OpenApiParameter.HEADER, required=False)],
        tags=["interop"],
    )
    def post(self, request):
        fields, problems, raw = _read_body(request)
        try:
            if problems:
                fields = {**fields, "problems": problems}
            report, created = aml_report_receive(fields=fields, source="https", raw=raw, centre_codes=request.aml_centre_codes)
        except Exception:  # noqa: BLE001 — the gateway must always get its acknowledgement
            logger.exception("AML report could not be stored")
            return _aml_ack(None, True, [*problems, "report could not be stored"])
        return _aml_ack(report, created)


class AmlSmsApi(APIView):
    """An AML SMS forwarded by an SMS gateway: `{"from": "+62812…", "body": "A\\"ML=1;lt=…;lg=…;…"}`
    (JSON or form). Always 200 for payload problems, as for HTTPS AML."""

    permission_classes = [AmlGatewayPermission]
    parser_classes = [AcceptAnythingParser]

    @extend_schema(
        operation_id="aml_sms_receive",
        request={
            "application/json": inline_serializer(
                "AmlSmsInput", {"from": serializers.CharField(required=False), "body": serializers.CharField(required=False)}
            ),
            "application/x-www-form-urlencoded": inline_serializer(
                "AmlSmsFormInput", {"from": serializers.CharField(required=False), "body": serializers.CharField(required=False)}
            ),
        },
        responses={200: AmlAckSerializer},
        parameters=[OpenApiParameter("X-AML-Secret", str, OpenApiParameter.HEADER, required=False)],
        tags=["interop"],
    )
    def post(self, request):
        fields, problems, raw = _read_body(request)
        try:
            sms = parse_aml_sms(fields.get("body", ""))
            sms_problems = sms.pop("problems", [])
            sms.pop("unknown", None)
            sender = fields.get("from", "")
            report_fields = {**sms, "device_number": sender if isinstance(sender, str) else "", "problems": [*problems, *sms_problems]}
            report, created = aml_report_receive(fields=report_fields, source="sms", raw=raw, centre_codes=request.aml_centre_codes)
        except Exception:  # noqa: BLE001
            logger.exception("AML SMS could not be stored")
            return _aml_ack(None, True, [*problems, "report could not be stored"])
        return _aml_ack(report, created)


# --- notifications --------------------------------------------------------------------------------

class NotificationListApi(generics.ListAPIView):
    """Messages sent on the centre's behalf (second-stage escalations, call-outs) and their delivery status,
    newest first. Centre staff see their centres' messages; admins all."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Notification.Status.choices, required=False)
        incident = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Notification
            fields = [
                "id", "channel", "recipient", "subject", "body", "status", "backend", "external_id", "attempts",
                "last_error", "incident", "assignment", "reason", "created_at", "sent_at",
            ]

    serializer_class = OutputSerializer

    @extend_schema(operation_id="notification_list", parameters=[FilterSerializer], tags=["interop"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        user = self.request.user
        if not (user.is_superuser or user.role in (User.Role.CALL_TAKER, User.Role.SUPERVISOR, User.Role.ADMIN, User.Role.OFFICIAL)):
            raise exceptions.PermissionDenied()
        scope = scope_for(user)
        qs = Notification.objects.all()
        if not scope.is_global:
            qs = qs.filter(
                Q(incident__command_centre_id__in=scope.centre_ids) | Q(assignment__incident__command_centre_id__in=scope.centre_ids)
            )
        if "status" in filters.validated_data:
            qs = qs.filter(status=filters.validated_data["status"])
        if "incident" in filters.validated_data:
            qs = qs.filter(incident_id=filters.validated_data["incident"])
        return qs.order_by("-created_at", "-id")
