"""Call-taker helpers of REST API v1 (issue 3): the place type-ahead, point-in-polygon lookup, and the
duplicate search that runs while the call-taker types.

    GET /api/v1/places/?q=            kelurahan/kecamatan of the centre's regencies, landmarks, pasted coordinates
    GET /api/v1/places/at/?lat=&lon=  which village/district/regency holds a point; served by my centre?
    GET /api/v1/incidents/duplicates/?category=&lat=&lon=&caller_number=
"""
from math import cos, radians, sqrt

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Length
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.geo import in_indonesia, place_for_point
from agencies.models import Landmark, Region
from agencies.scoping import scope_for
from dispatch.errors import field_error
from incidents.coords import CoordinateError, looks_like_coordinates, parse_coordinates
from incidents.models import IncidentCategory
from incidents.selectors import duplicate_candidates

MAX_QUERY = 100
PLACE_LIMIT = 10
# How far a landmark pin may be from the caller: a landmark is a building or a square.
LANDMARK_ACCURACY_M = 50.0


def _served_regency_codes(scope) -> list[str] | None:
    """None means every regency (admins)."""
    if scope.is_global:
        return None
    return list(Region.objects.filter(command_centres__in=scope.centre_ids).values_list("code", flat=True).distinct())


def _region_point(region: Region) -> Point | None:
    if region.centroid is not None:
        return region.centroid
    if region.boundary is not None:
        return region.boundary.point_on_surface
    return None


def _region_accuracy_m(region: Region) -> float | None:
    """Half the side of a square of the region's area: a pin at its centroid is about that far off."""
    if region.boundary is None:
        return None
    lat = region.boundary.centroid.y
    area_m2 = region.boundary.area * (111_320**2) * cos(radians(lat))
    return round(sqrt(area_m2) / 2, -1)


def places_search(*, user, q: str) -> dict:
    q = (q or "").strip()[:MAX_QUERY]
    answer = {"query": q, "coordinates": None, "coordinates_error": None, "results": []}
    if not q:
        return answer
    if looks_like_coordinates(q):
        try:
            parsed = parse_coordinates(q)
        except CoordinateError as exc:
            answer["coordinates_error"] = str(exc)
        else:
            answer["coordinates"] = {
                "lat": parsed.lat,
                "lon": parsed.lon,
                "accuracy_m": parsed.precision_m,
                "format": parsed.format,
                "in_indonesia": in_indonesia(Point(parsed.lon, parsed.lat, srid=4326)),
            }
            return answer
    if len(q) < 2:
        return answer
    scope = scope_for(user)
    if scope.is_empty:
        return answer
    regencies = _served_regency_codes(scope)
    starts = Case(When(name__istartswith=q, then=Value(0)), default=Value(1), output_field=IntegerField())
    regions = Region.objects.filter(level__in=[Region.Level.VILLAGE, Region.Level.DISTRICT], name__icontains=q)
    if regencies is not None:
        prefix = Q(pk__in=[])
        for code in regencies:
            prefix |= Q(code__startswith=f"{code}.")
        regions = regions.filter(prefix)
    regions = (
        regions.select_related("parent")
        .annotate(starts=starts, name_len=Length("name"))
        .order_by("starts", "name_len", "name")[:PLACE_LIMIT]
    )
    landmarks = Landmark.objects.filter(name__icontains=q)
    if not scope.is_global:
        landmarks = landmarks.filter(command_centre_id__in=scope.centre_ids)
    landmarks = landmarks.annotate(starts=starts, name_len=Length("name")).order_by("starts", "name_len", "name")[:PLACE_LIMIT]

    rows = []
    for lm in landmarks:
        rows.append((lm.starts, 0, {
            "kind": "landmark", "id": lm.pk, "code": None, "name": lm.name, "detail": _("Tengara"),
            "lat": lm.location.y, "lon": lm.location.x, "accuracy_m": LANDMARK_ACCURACY_M,
        }))
    for region in regions:
        point = _region_point(region)
        if point is None:
            continue
        level = _("Kelurahan/Desa") if region.level == Region.Level.VILLAGE else _("Kecamatan")
        parent = region.parent.name if region.parent else ""
        rows.append((region.starts, 1 if region.level == Region.Level.VILLAGE else 2, {
            "kind": region.level, "id": None, "code": region.code, "name": region.name,
            "detail": f"{level}, {parent}" if parent else level,
            "lat": point.y, "lon": point.x, "accuracy_m": _region_accuracy_m(region),
            "boundary_is_approximate": region.boundary_is_approximate,
        }))
    rows.sort(key=lambda r: (r[0], r[1], len(r[2]["name"])))
    answer["results"] = [r[2] for r in rows[:PLACE_LIMIT]]
    return answer


def _point_param(request, required=True) -> Point | None:
    lat, lon = request.query_params.get("lat"), request.query_params.get("lon")
    if lat in (None, "") and lon in (None, "") and not required:
        return None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise field_error("location", _("Parameter lat dan lon harus berupa angka."), code="invalid_location") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise field_error("location", _("Koordinat tidak valid."), code="invalid_location")
    return Point(lon, lat, srid=4326)


def _region_ref(region):
    return {"code": region.code, "name": region.name} if region else None


class PlaceSearchApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Nama kelurahan/kecamatan/tengara, atau koordinat")],
        responses={200: dict},
        summary="Type-ahead lokasi untuk operator",
    )
    def get(self, request):
        return Response(places_search(user=request.user, q=request.query_params.get("q", "")))


class PlaceAtApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lat", float), OpenApiParameter("lon", float)],
        responses={200: dict},
        summary="Wilayah (kelurahan/kecamatan/kabupaten) yang memuat suatu titik",
    )
    def get(self, request):
        point = _point_param(request)
        inside = in_indonesia(point)
        place = place_for_point(point) if inside else None
        scope = scope_for(request.user)
        served_codes = _served_regency_codes(scope)
        regency = place.regency if place else None
        if served_codes is None:
            served = True
        elif regency is not None:
            served = regency.code in served_codes
        else:
            # No boundary holds the point: outside, if the served regencies have boundaries at all.
            served = inside and not Region.objects.filter(code__in=served_codes, boundary__isnull=False).exists()
        approximate = any(getattr(r, "boundary_is_approximate", False) for r in (place.village, place.district, place.regency)) if place else False
        return Response({
            "lat": point.y,
            "lon": point.x,
            "in_indonesia": inside,
            "served": served,
            "village": _region_ref(place.village) if place else None,
            "district": _region_ref(place.district) if place else None,
            "regency": _region_ref(regency),
            "boundary_is_approximate": approximate,
        })


class DuplicateCandidatesApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("category", str), OpenApiParameter("lat", float), OpenApiParameter("lon", float),
            OpenApiParameter("caller_number", str),
        ],
        responses={200: dict},
        summary="Kejadian terbuka yang mungkin sama (duplikat) dengan panggilan ini",
    )
    def get(self, request):
        params = request.query_params
        category = None
        if params.get("category"):
            category = IncidentCategory.objects.filter(code=params["category"][:40], is_active=True).first()
            if category is None:
                raise field_error("category", _("Kategori '%(code)s' tidak dikenal.") % {"code": params["category"][:40]}, code="unknown_category")
        point = _point_param(request, required=False)
        scope = scope_for(request.user)
        if scope.is_empty or (not scope.is_global and not scope.centre_ids):
            return Response({"radius_m": settings.DUPLICATE_RADIUS_M, "window_min": settings.DUPLICATE_WINDOW_MIN, "results": []})
        rows = duplicate_candidates(
            centre_ids=None if scope.is_global else scope.centre_ids,
            category=category,
            point=point,
            caller_number=(params.get("caller_number") or "")[:32],
            radius_m=settings.DUPLICATE_RADIUS_M,
            window_min=settings.DUPLICATE_WINDOW_MIN,
        )
        return Response({"radius_m": settings.DUPLICATE_RADIUS_M, "window_min": settings.DUPLICATE_WINDOW_MIN, "results": rows})
