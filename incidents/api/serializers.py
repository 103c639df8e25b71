"""Output shapes shared by the REST API v1 views (input serializers live next to their view).

Kept as plain Serializers with explicit fields: list endpoints are hot paths and ModelSerializer
introspection costs more than it saves here.
"""
import math
from collections.abc import Mapping

from django.contrib.gis.geos import Point
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework_gis.fields import GeometryField

from incidents.cardiac import block_for
from incidents.models import IncidentCategory

POINT_SCHEMA = {
    "type": "object",
    "description": "GeoJSON Point, WGS84: coordinates are [longitude, latitude].",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "example": [113.9213, -2.2096]},
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(POINT_SCHEMA)
class GeoJSONPointField(GeometryField):
    """A GeoJSON Point only (no WKT, no other geometry types), as a WGS84 Point."""

    default_error_messages = {
        "invalid_point": _('Lokasi harus berupa GeoJSON Point: {{"type": "Point", "coordinates": [bujur, lintang]}}.'),
    }

    def to_internal_value(self, value):
        if not isinstance(value, dict) or value.get("type") != "Point":
            self.fail("invalid_point")
        coords = value.get("coordinates")
        if (
            not isinstance(coords, (list, tuple))
            or len(coords) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords)
        ):
            self.fail("invalid_point")
        return Point(float(coords[0]), float(coords[1]), srid=4326)

    def to_representation(self, value):
        if value is None:
            return None
        return {"type": "Point", "coordinates": [value.x, value.y]}


class StrField(serializers.CharField):
    """`str()` of the object at `source` (output only): what `source="x.__str__"` gave, without DRF asking
    `inspect.signature` whether `__str__` takes arguments on every row (issue 27: 2 % of an intake's CPU)."""

    def to_representation(self, value):
        return str(value)


_BOUND: dict = {}


def represent(serializer_class, instance) -> dict:
    """`serializer_class(instance).data`, without building the serializer's fields on every call.

    DRF deep-copies every declared field for each serializer instance: for IncidentSerializer that is ~0.9 of the
    ~1 ms its `.data` costs. The two intake endpoints (issue 15) render through one bound instance per class and
    process instead; output serializers keep no per-call state, so sharing one is safe (same output, tested).
    Its plain fields (integer, text, float, boolean read from attributes) are read and converted as DRF's own
    `to_representation` does, without DRF's per-field `get_attribute` and generator (issue 27: ≈ 1.5 % of an intake);
    every other field, and anything unusual on the way (a mapping, a callable, a missing attribute), goes through
    the DRF field itself."""
    plan = _BOUND.get(serializer_class)
    if plan is None:
        plan = _BOUND[serializer_class] = _plan(serializer_class())
    if type(plan) is not tuple:
        return plan.to_representation(instance)  # a serializer with its own to_representation
    ret = {}
    for name, attrs, convert, field in plan:
        if convert is not None:
            value = instance
            try:
                for attr in attrs:
                    if value is None or not (_PLAIN_TYPES.get(type(value)) or _plain_type(type(value))):
                        raise _Slow  # None before the last attribute, a mapping, a callable: DRF's rules
                    value = getattr(value, attr)
                if value is None:
                    ret[name] = None
                elif _PLAIN_TYPES.get(type(value)) or _plain_type(type(value)):
                    ret[name] = convert(value)
                else:
                    raise _Slow  # a callable DRF would call
                continue
            except ObjectDoesNotExist:
                ret[name] = None  # what DRF's get_attribute answers for a missing related row
                continue
            except (_Slow, AttributeError, KeyError):
                pass  # DRF's own get_attribute decides (a default, null, skipped, or the error)
        # DRF's Serializer.to_representation for one field
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            continue
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        ret[name] = None if check_for_none is None else field.to_representation(attribute)
    return ret


class _Slow(Exception):
    """This field of this object goes through DRF's own get_attribute."""


_PLAIN_TYPES: dict = {}


def _plain_type(cls) -> bool:
    """Objects of `cls` are read by DRF's get_attribute with getattr and taken as they are: not a mapping, not callable."""
    plain = _PLAIN_TYPES[cls] = not issubclass(cls, Mapping) and not any("__call__" in vars(k) for k in cls.__mro__)
    return plain


def _as_bool(field):
    def convert(value):
        return value if value is True or value is False else field.to_representation(value)

    return convert


# Exactly these classes (not subclasses): their to_representation is int(value), str(value), float(value), and a bool
# answered as it is.
_CONVERTERS = {
    serializers.IntegerField: lambda field: int,
    serializers.CharField: lambda field: str,
    serializers.FloatField: lambda field: float,
    serializers.BooleanField: _as_bool,
    StrField: lambda field: str,
}


def _plan(bound):
    if type(bound).to_representation is not serializers.Serializer.to_representation:
        return bound
    plan = []
    for field in bound._readable_fields:
        make = _CONVERTERS.get(type(field))
        if field.source == "*" or not field.source_attrs:
            make = None
        plan.append((field.field_name, tuple(field.source_attrs), make(field) if make else None, field))
    return tuple(plan)


def represent_many(serializer_class, instances) -> list[dict]:
    return [represent(serializer_class, instance) for instance in instances]


def localised_category_name(category) -> str:
    return category.name_en if (get_language() or "id").startswith("en") and category.name_en else category.name_id


class IncidentListItemSerializer(serializers.Serializer):
    """The lean row of incident lists (consoles show hundreds)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.IntegerField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.SerializerMethodField()
    location = GeoJSONPointField()
    address = serializers.CharField()
    caller_count = serializers.IntegerField()
    command_centre = serializers.CharField(source="command_centre.code")
    outside_service_area = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    unclassified = serializers.SerializerMethodField(
        help_text="Arrived without an incident type (an EIDO transfer): flagged until someone sets the category.")

    cardiac_arrest = serializers.SerializerMethodField(
        help_text="A suspected cardiac arrest (issue 30): {suspected, recognition, recognised_at, instructions_started_at, "
        "first_compression_at, aed_on_scene_at, ems_on_scene_at, stopped_at, outcome, nearest_aeds}; null without one.")

    def get_category_name(self, obj) -> str:
        return localised_category_name(obj.category)

    def get_unclassified(self, obj) -> bool:
        return obj.category.code == IncidentCategory.UNCLASSIFIED

    @extend_schema_field({"type": "object", "nullable": True})
    def get_cardiac_arrest(self, obj):
        return block_for(obj)


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField(source="incident_id")
    agency = serializers.IntegerField(source="agency_id")
    agency_name = StrField(source="agency")
    status = serializers.CharField()
    offered_at = serializers.DateTimeField()
    ack_deadline = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True)
    escalation_stage = serializers.IntegerField()


class AssignmentListItemSerializer(AssignmentSerializer):
    """An assignment as an agency's dispatcher lists it: with enough of the incident to triage. A row of an
    incident the caller no longer sees (its agency handed it off, declined or let it expire) carries the incident as
    it was when the agency left it — or nulls when that is unknown — never its current state (issue 28)."""

    incident_reference = serializers.CharField(source="incident.reference")
    incident_status = serializers.CharField(source="incident.status", allow_null=True)
    incident_priority = serializers.IntegerField(source="incident.priority", allow_null=True)
    incident_category = serializers.CharField(source="incident.category.code", allow_null=True)
    incident_category_name = serializers.SerializerMethodField(help_text="The category's name in the request's language.")
    incident_address = serializers.CharField(source="incident.address", allow_null=True)
    incident_location = GeoJSONPointField(source="incident.location", allow_null=True)
    incident_unclassified = serializers.SerializerMethodField(
        help_text="The incident still waits for a category (an EIDO transfer without an incident type).")

    def get_incident_category_name(self, obj) -> str | None:
        return localised_category_name(obj.incident.category)

    def get_incident_unclassified(self, obj) -> bool:
        return obj.incident.category.code == IncidentCategory.UNCLASSIFIED

    @staticmethod
    def incident_fields(summary: dict | None) -> dict:
        """The incident fields of a row from an event's incident summary (None: every field null)."""
        summary = summary or {}
        location = summary.get("location")
        return {
            "incident_status": summary.get("status"),
            "incident_priority": summary.get("priority"),
            "incident_category": summary.get("category"),
            "incident_category_name": summary.get("category_name"),
            "incident_address": summary.get("address"),
            "incident_location": {"type": "Point", "coordinates": location} if location else None,
            "incident_unclassified": bool(summary.get("unclassified", False)),
        }


class TimelineEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    payload = serializers.DictField()


class ProposedAgencySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="agency.pk")
    name = serializers.CharField(source="agency.name")
    short_name = serializers.CharField(source="agency.short_name")
    type = serializers.CharField(source="agency.type")
    reason = serializers.ChoiceField(choices=["jurisdiction", "region", "centre"])


class ArrivalFieldsMixin(serializers.Serializer):
    """How a recommended unit would arrive (incidents.routing.UnitProposal): ranked by `eta_s` on `basis`."""

    distance_m = serializers.FloatField(help_text="Straight-line distance from the unit to the incident (m).")
    eta_min = serializers.FloatField(help_text="ETA in minutes on the item's basis.")
    eta_s = serializers.IntegerField(allow_null=True, help_text="ETA in seconds on the item's basis.")
    basis = serializers.ChoiceField(
        choices=["road", "straight_line"],
        help_text="`road`: drive time from the routing engine; `straight_line`: the engine was down, slower than its "
        "timeout or could not reach this unit — distance × 1.4 at 30 km/h.",
    )
    road_m = serializers.FloatField(allow_null=True, help_text="Distance by road (m), with the legs to the road; null on straight line.")
    snap_m = serializers.FloatField(allow_null=True, help_text="How far the unit is from the road the engine put it on (m).")
    incident_snap_m = serializers.FloatField(allow_null=True, help_text="How far the incident is from the nearest road (m).")
    snapped = serializers.BooleanField(help_text="True when the unit or the incident is far from any road (the ETA counts the leg off the road).")


class NearestUnitSerializer(ArrivalFieldsMixin):
    id = serializers.IntegerField(source="unit.pk")
    call_sign = serializers.CharField(source="unit.call_sign")
    type = serializers.CharField(source="unit.type")
    agency = serializers.IntegerField(source="unit.agency_id")
    agency_name = StrField(source="unit.agency")


class IncidentSerializer(IncidentListItemSerializer):
    """One incident in full (create answer, detail, PATCH answer)."""

    category_name = serializers.SerializerMethodField()
    description = serializers.CharField()
    caller_number = serializers.CharField()
    caller_name = serializers.CharField()
    answers = serializers.DictField()
    location_accuracy_m = serializers.FloatField(allow_null=True)
    location_source = serializers.CharField()
    regency = serializers.CharField(source="regency_id", allow_null=True)
    district = serializers.CharField(source="district_id", allow_null=True)
    village = serializers.CharField(source="village_id", allow_null=True)
    is_public_alert = serializers.BooleanField()
    call_answered_at = serializers.DateTimeField(allow_null=True)
    routed_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    on_scene_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_category_name(self, obj) -> str:
        return localised_category_name(obj.category)


class IncidentCreatedSerializer(IncidentSerializer):
    proposed_agencies = ProposedAgencySerializer(many=True)
    nearest_units = NearestUnitSerializer(many=True)


class IncidentDetailSerializer(IncidentSerializer):
    assignments = AssignmentSerializer(many=True)
    events = TimelineEventSerializer(many=True, help_text="The latest timeline events, newest last.")


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    command_centre = serializers.CharField(source="command_centre.code")
    external_id = serializers.CharField(allow_null=True)
    line = serializers.CharField()
    caller_number = serializers.CharField()
    caller_name = serializers.CharField()
    status = serializers.CharField()
    disposition = serializers.CharField()
    ringing_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    call_taker = serializers.IntegerField(source="call_taker_id", allow_null=True)
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    device_location = GeoJSONPointField(allow_null=True)
    device_accuracy_m = serializers.FloatField(allow_null=True)
    note = serializers.CharField()


class HistoryCallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    disposition = serializers.CharField()
    incident = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()


class HistoryIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    address = serializers.CharField()


class CallerHistorySerializer(serializers.Serializer):
    number = serializers.CharField()
    days = serializers.IntegerField()
    total_calls = serializers.IntegerField(help_text="Calls from this number in the last `days` days.")
    by_disposition = serializers.DictField(child=serializers.IntegerField(), help_text='e.g. {"prank": 7, "genuine": 1}')
    prank_count = serializers.IntegerField()
    last_calls = HistoryCallSerializer(many=True)
    open_incidents = HistoryIncidentSerializer(many=True)
    past_incidents = HistoryIncidentSerializer(many=True)


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField(help_text="In the request's language.")
    name_id = serializers.CharField()
    name_en = serializers.CharField()
    default_priority = serializers.IntegerField()
    responsible_agency_types = serializers.ListField(child=serializers.CharField())
    required_capabilities = serializers.ListField(child=serializers.CharField())
    question_script = serializers.ListField(child=serializers.DictField())
    related = serializers.SerializerMethodField()
    on_scene_target_min = serializers.IntegerField(allow_null=True)

    def get_name(self, obj) -> str:
        return localised_category_name(obj)

    def get_related(self, obj) -> list[str]:
        return sorted(c.code for c in obj.related.all())


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    message = serializers.CharField()
    command_centre = serializers.CharField(source="command_centre.code")
    # null for an alert about the centre itself (kind reports_stale)
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    incident_reference = serializers.CharField(source="incident.reference", allow_null=True, default=None)
    assignment = serializers.IntegerField(source="assignment_id", allow_null=True)
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.IntegerField(source="acknowledged_by_id", allow_null=True)
    acknowledged_by_name = serializers.SerializerMethodField()

    def get_acknowledged_by_name(self, obj) -> str | None:
        user = obj.acknowledged_by
        return (user.get_full_name() or user.username) if user else None


class AlertGroupSerializer(serializers.Serializer):
    """One line per incident (`GET /api/v1/alerts/?group=incident`): its alerts and what they add up to."""

    incident = serializers.IntegerField()
    reference = serializers.CharField()
    priority = serializers.IntegerField()
    status = serializers.CharField(help_text="The incident's status.")
    command_centre = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Alerts in the group (those the filters kept).")
    open_count = serializers.IntegerField(help_text="Of them, not acknowledged yet.")
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Distinct kinds, in the order raised.")
    latest_raised_at = serializers.DateTimeField(allow_null=True)
    oldest_open_raised_at = serializers.DateTimeField(allow_null=True, help_text="How long the group has waited.")
    alerts = AlertSerializer(many=True)
