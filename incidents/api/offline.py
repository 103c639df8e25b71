"""REST API v1 for a console that outlives the server (issue 26).

    GET /api/v1/ping/                the cheap heartbeat: is the server there? (no database, no session needed)
    GET /api/v1/reference/offline/   the centre's reference data for working without the server: categories with
                                     their question scripts, the kelurahan/desa, kecamatan and landmarks of the regencies
                                     it serves, its agencies. ETag; If-None-Match answers 304.

The console keeps the reference copy in IndexedDB (static/js/lib/outbox.js) and searches it while the server is away;
the Service Worker (/sw.js) keeps the last answer too.
"""
import hashlib
import json

from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import F, FloatField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, CommandCentre, Landmark, Region, User
from agencies.scoping import scope_for
from dispatch.errors import NotFound
from incidents.api.serializers import CategorySerializer
from incidents.models import IncidentCategory

OFFLINE_ROLES = (User.Role.CALL_TAKER, User.Role.SUPERVISOR)


class PingApi(APIView):
    """The heartbeat of the consoles: answers at once without touching the database or the session. A console that
    gets no answer (or a 5xx) knows the server is away and queues its work (docs/offline-operation.md)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="ping",
        responses={200: inline_serializer("Ping", {"ok": serializers.BooleanField(), "time": serializers.DateTimeField()})},
    )
    def get(self, request):
        response = Response({"ok": True, "time": timezone.now().isoformat()})
        response["Cache-Control"] = "no-store"
        return response


def _places(centre) -> list[list]:
    """[kind, code, name, detail, lat, lon, accuracy_m] of the kelurahan/desa and kecamatan of the regencies the centre
    serves, then its landmarks (code null). The point is the region's centroid (or a point inside its boundary); the
    accuracy is half the side of a square of its area, as in GET /api/v1/places/."""
    regency_codes = list(centre.regions.values_list("code", flat=True))
    rows = []
    if regency_codes:
        under = Q(pk__in=[])
        for code in regency_codes:
            under |= Q(code__startswith=f"{code}.")
        regions = (
            Region.objects.filter(under, level__in=[Region.Level.VILLAGE, Region.Level.DISTRICT])
            .annotate(
                point=Coalesce(F("centroid"), PointOnSurface("boundary")),
                area_m2=RawSQL("ST_Area(\"agencies_region\".\"boundary\"::geography)", [], output_field=FloatField()),
                parent_name=F("parent__name"),
            )
            .values_list("level", "code", "name", "parent_name", "point", "area_m2")
            .order_by("level", "name", "code")
        )
        for level, code, name, parent_name, point, area in regions:
            if point is None:
                continue
            accuracy = round((area**0.5) / 2, -1) if area else None
            rows.append(["village" if level == Region.Level.VILLAGE else "district", code, name, parent_name or "",
                         round(point.y, 6), round(point.x, 6), accuracy])
    for name, location in Landmark.objects.filter(command_centre=centre).order_by("name").values_list("name", "location"):
        rows.append(["landmark", None, name, "", round(location.y, 6), round(location.x, 6), 50.0])
    return rows


def offline_reference(centre) -> dict:
    categories = IncidentCategory.objects.filter(is_active=True).prefetch_related("related").order_by("name_id")
    agencies = Agency.objects.filter(is_active=True, command_centre=centre).order_by("type", "name").values_list("id", "name", "type")
    return {
        "centre": centre.code,
        "categories": CategorySerializer(categories, many=True).data,
        "places_fields": ["kind", "code", "name", "detail", "lat", "lon", "accuracy_m"],
        "places": _places(centre),
        "agencies": [{"id": i, "name": n, "type": t} for i, n, t in agencies],
    }


class OfflineReferenceApi(APIView):
    """The user's centre's reference data for the console to keep in IndexedDB: categories (with question scripts,
    as in GET /api/v1/categories/), places (kelurahan/desa, kecamatan, landmarks as compact rows named by
    `places_fields`), agencies. Only call-takers and supervisors of a centre, and admins naming `command_centre`
    (404 for anyone else, and for centre staff naming another centre). Carries an
    ETag: `If-None-Match` with it answers 304 with no body."""

    class FilterSerializer(serializers.Serializer):
        command_centre = serializers.CharField(
            max_length=16, required=False,
            help_text="The centre's code: for admins (any centre); centre staff may only name their own.",
        )

    @extend_schema(
        operation_id="reference_offline",
        parameters=[FilterSerializer],
        responses={200: OpenApiResponse(description="The reference data."), 304: OpenApiResponse(description="Unchanged.")},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        code = filters.validated_data.get("command_centre")
        user = request.user
        if scope_for(user).is_global:
            centre = CommandCentre.objects.filter(code=code).first() if code else None
        else:
            centre = user.command_centre if user.role in OFFLINE_ROLES else None
            if centre is not None and code and code != centre.code:
                centre = None
        if centre is None:
            raise NotFound(_("Data rujukan luring hanya untuk petugas pusat panggilan."), code="not_found")
        # The body is built with the request's language (category names): the ETag follows the bytes.
        body = json.dumps(offline_reference(centre), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie, Accept-Language"}
        wanted = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
        if etag in wanted or etag.replace('"', 'W/"', 1) in wanted:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type="application/json")
        for k, v in headers.items():
            response[k] = v
        return response
