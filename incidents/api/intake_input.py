"""The two intake bodies (create, route) checked by hand when they are plainly valid (issue 27).

DRF's `Serializer(data=...).is_valid()` deep-copies every declared field for each request and runs each value through
`run_validation`: ≈ 5 % of an intake's CPU. These functions give exactly the `validated_data` the views' DRF input
serializers would give for a body that those would accept, and `None` for anything else — a missing or blank
required value, a wrong type, a value DRF would convert (`"2"` for 2), a NUL or surrogate character, a value over a
limit, a form-encoded body. The views then run the DRF serializer as before, so every refusal keeps DRF's exact
message, code and shape; the serializers stay the schema (drf-spectacular) and the reference this is tested against
(tests/api/test_intake_input.py compares both on valid and invalid bodies)."""
import math
import re

from django.contrib.gis.geos import Point

_SURROGATE = re.compile("[\ud800-\udfff]")
_ABSENT = object()
_REFUSE = object()  # what DRF has to decide: it refuses, or it converts in a way not copied here


def _text(value, *, strip=True, blank=True, max_length=None):
    """`serializers.CharField`'s result for a str (its validators: no NUL, no surrogate, max_length), else _REFUSE."""
    if type(value) is not str or "\x00" in value or (not value.isascii() and _SURROGATE.search(value)):
        return _REFUSE
    if strip:
        value = value.strip()
    if not value:
        return "" if blank else _REFUSE
    if max_length is not None and len(value) > max_length:
        return _REFUSE
    return value


def _int(value):
    # bool is an int to Python, not to DRF; a number past 64 bits is left to DRF (and the database) as before
    return value if type(value) is int and -(2**63) <= value < 2**63 else _REFUSE


def _point(value):
    """GeoJSONPointField.to_internal_value for a valid GeoJSON Point."""
    if type(value) is not dict or value.get("type") != "Point":
        return _REFUSE
    coords = value.get("coordinates")
    if type(coords) is not list or len(coords) != 2:
        return _REFUSE
    for c in coords:
        if type(c) not in (int, float) or not math.isfinite(c):
            return _REFUSE
    return Point(float(coords[0]), float(coords[1]), srid=4326)


# The fields create_input knows. A field added to the serializer and not here would be dropped from a plainly valid
# body without a word: tests/api/test_intake_input.py holds the two sets equal.
CREATE_FIELDS = frozenset({
    "category", "priority", "location", "address", "description", "caller_number", "caller_name", "answers", "call",
    "location_accuracy_m", "location_source", "allow_outside_service_area", "village", "command_centre",
})
ROUTE_FIELDS = frozenset({"agencies"})


def create_input(data):
    """IncidentListCreateApi.InputSerializer's validated_data for `data`, or None: let the serializer decide."""
    if type(data) is not dict:
        return None
    get = data.get
    out = {"category": _text(get("category"), blank=False)}

    priority = get("priority", _ABSENT)
    if priority is not _ABSENT:  # no default: absent stays absent
        out["priority"] = None if priority is None else (priority if _int(priority) is not _REFUSE and 1 <= priority <= 4 else _REFUSE)

    location = get("location")
    out["location"] = None if location is None else _point(location)
    for name, strip in (("address", False), ("description", False), ("caller_number", True), ("caller_name", True)):
        value = get(name, _ABSENT)
        out[name] = "" if value is _ABSENT else _text(value, strip=strip)

    answers = get("answers")
    if answers is None:
        out["answers"] = None
    elif type(answers) is dict and all(type(k) is str for k in answers):
        out["answers"] = dict(answers)  # DictField answers a new dict, values unvalidated
    else:
        return None

    call = get("call")
    out["call"] = None if call is None else _int(call)

    accuracy = get("location_accuracy_m")
    if accuracy is None:
        out["location_accuracy_m"] = None
    elif type(accuracy) in (int, float) and -1e300 < accuracy < 1e300 and math.isfinite(accuracy) and accuracy >= 0:
        out["location_accuracy_m"] = float(accuracy)
    else:
        return None

    source = get("location_source", _ABSENT)
    out["location_source"] = "" if source is _ABSENT else _text(source, max_length=20)

    allow_outside = get("allow_outside_service_area", False)
    if type(allow_outside) is not bool:
        return None
    out["allow_outside_service_area"] = allow_outside

    village = get("village")
    out["village"] = None if village is None else _text(village, max_length=13)

    centre = get("command_centre", _ABSENT)
    if centre is not _ABSENT:
        out["command_centre"] = _text(centre, blank=False, max_length=16)

    for value in out.values():
        if value is _REFUSE:
            return None
    return out


def route_input(data):
    """IncidentRouteApi.InputSerializer's validated_data for `data`, or None: let the serializer decide."""
    if type(data) is not dict:
        return None
    agencies = data.get("agencies", _ABSENT)
    if agencies is _ABSENT:
        return {}
    if type(agencies) is not list or len(agencies) > 50:
        return None
    for agency in agencies:
        if _int(agency) is _REFUSE or agency < 1:
            return None
    return {"agencies": list(agencies)}
