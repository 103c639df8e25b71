"""REST API v1: a route by road between two points, for people — the dispatcher's incident map and the crew's phone
draw it with the ETA (`GET /api/v1/route/?from=lon,lat&to=lon,lat`)."""
from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.geo import in_indonesia
from agencies.models import Unit, User
from dispatch import osrm
from dispatch.errors import NotFound, PermissionDenied, ServiceUnavailable
from dispatch.schema import ErrorResponseSerializer
from incidents.routing import speed_factor


def parse_lon_lat(value: str) -> Point:
    """"lon,lat" in decimal degrees (the order of GeoJSON and of OSRM) → a point in Indonesia."""
    parts = value.split(",")
    if len(parts) != 2:
        raise serializers.ValidationError(_("Tulis sebagai bujur,lintang, misalnya 113.9213,-2.2096."), code="invalid")
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise serializers.ValidationError(_("Bujur dan lintang harus angka desimal."), code="invalid") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or lon != lon or lat != lat:
        raise serializers.ValidationError(_("Bujur atau lintang di luar jangkauan."), code="out_of_range")
    point = Point(lon, lat, srid=4326)
    if not in_indonesia(point):
        raise serializers.ValidationError(_("Titik ini di luar wilayah Indonesia."), code="outside_indonesia")
    return point


class LonLatField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=60, **kwargs)

    def to_internal_value(self, data):
        return parse_lon_lat(super().to_internal_value(data))


class RouteApi(APIView):
    """The fastest route by road from `from` to `to` (each `lon,lat`), from the routing engine: its length, its
    drive time and its line (GeoJSON LineString along the roads). `unit_type=` (fire_engine, motorbike, …) adds
    `eta_s`, the drive time with that unit type's speed factor. Any signed-in staff member or crew; volunteers
    use their phone's own navigation. 503 `routing_unavailable` when the engine is down or slower than its
    timeout; 404 `no_route` when no road joins the two points."""

    # `from` is a Python keyword: the class is made from a dict so that the parameter keeps the name.
    QuerySerializer = type("RouteQuerySerializer", (serializers.Serializer,), {
        "from": LonLatField(help_text="Start as `lon,lat`."),
        "to": LonLatField(help_text="Destination as `lon,lat`."),
        "unit_type": serializers.ChoiceField(choices=Unit.Type.choices, required=False, help_text="Apply this unit type's speed factor (eta_s)."),
    })

    class OutputSerializer(serializers.Serializer):
        distance_m = serializers.FloatField(help_text="Length of the route by road (m), with the legs from each point to its road.")
        duration_s = serializers.FloatField(help_text="Drive time at the engine profile's road speeds (s), with the legs off the road.")
        eta_s = serializers.IntegerField(allow_null=True, help_text="duration_s with `unit_type`'s speed factor (null without unit_type).")
        geometry = serializers.DictField(help_text="GeoJSON LineString [[lon, lat], …]: from, the roads, to.")
        basis = serializers.CharField(help_text="Always `road` (an engine that cannot answer gives 503).")
        from_snap_m = serializers.FloatField(help_text="How far `from` is from the road the route starts on (m).")
        to_snap_m = serializers.FloatField(help_text="How far `to` is from the road the route ends on (m).")
        snapped = serializers.BooleanField(help_text="True when either point is far from any road.")

    @extend_schema(
        operation_id="route_retrieve",
        parameters=[QuerySerializer],
        # 503 `routing_unavailable`: the road engine is down or too slow (the crew page keeps its navigation link)
        responses={200: OutputSerializer, 503: ErrorResponseSerializer},
    )
    def get(self, request):
        if request.user.role == User.Role.VOLUNTEER:
            raise PermissionDenied(_("Rute hanya untuk petugas dan kru unit."))
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        origin, destination = query.validated_data["from"], query.validated_data["to"]
        try:
            found = osrm.route(origin=(origin.x, origin.y), destination=(destination.x, destination.y))
        except osrm.EngineUnavailable:
            raise ServiceUnavailable(_("Mesin rute tidak tersedia saat ini; gunakan navigasi ponsel."), code="routing_unavailable") from None
        if found is None:
            raise NotFound(_("Tidak ada jalan yang menghubungkan kedua titik."), code="no_route")
        return Response(route_body(found, origin=origin, destination=destination, unit_type=query.validated_data.get("unit_type")))


def route_body(found: osrm.Route, *, origin: Point, destination: Point, unit_type=None) -> dict:
    off_road_m = found.origin.distance_m + found.destination.distance_m
    duration = found.duration_s + off_road_m / (settings.ROUTING_OFFROAD_KMH / 3.6)
    # The line a person follows: from the point itself, along the roads, to the point itself.
    coordinates = [[origin.x, origin.y], *found.coordinates, [destination.x, destination.y]]
    return {
        "distance_m": round(found.distance_m + off_road_m, 1),
        "duration_s": round(duration, 1),
        "eta_s": round(found.duration_s / speed_factor(unit_type) + off_road_m / (settings.ROUTING_OFFROAD_KMH / 3.6)) if unit_type else None,
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "basis": "road",
        "from_snap_m": round(found.origin.distance_m, 1),
        "to_snap_m": round(found.destination.distance_m, 1),
        "snapped": max(found.origin.distance_m, found.destination.distance_m) > settings.ROUTING_SNAP_NOTE_M,
    }
