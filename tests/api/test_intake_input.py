"""The hand-checked intake bodies (incidents/api/intake_input.py) against the DRF serializers they stand in for:
whatever the fast path accepts, DRF accepts with the same validated_data; whatever DRF refuses, the fast path
leaves to DRF (None), so the refusal keeps DRF's message and shape."""
import pytest
from django.contrib.gis.geos import Point

from incidents.api.incidents import IncidentListCreateApi, IncidentRouteApi
from incidents.api.intake_input import CREATE_FIELDS, ROUTE_FIELDS, create_input, route_input

BASE = {
    "category": "kebakaran",
    "location": {"type": "Point", "coordinates": [113.92, -2.21]},
    "address": "Jl. Tjilik Riwut km 2",
    "description": "Rumah terbakar, asap tebal",
    "caller_number": "081234567890",
    "caller_name": "Budi",
}

# (change to BASE, True when the fast path must take it)
CREATE_CASES = [
    ({}, True),
    ({"category": "  kebakaran  ", "caller_number": " 0812 ", "caller_name": "  "}, True),
    ({"address": "  spasi  ", "description": "   "}, True),
    ({"address": "Jl. Ахмад 日本 ✓", "description": "é\u00e9"}, True),
    ({"priority": 1}, True), ({"priority": 4}, True), ({"priority": None}, True),
    ({"priority": 0}, False), ({"priority": 5}, False), ({"priority": "2"}, False), ({"priority": True}, False),
    ({"priority": 2.0}, False), ({"priority": 2.5}, False), ({"priority": []}, False),
    ({"location": None}, True), ({"location": {"type": "Point", "coordinates": [113, -2]}}, True),
    ({"location": {"type": "Point", "coordinates": [113.9]}}, False),
    ({"location": {"type": "Point", "coordinates": [True, -2.0]}}, False),
    ({"location": {"type": "Point", "coordinates": ["113", -2.0]}}, False),
    ({"location": {"type": "LineString", "coordinates": [113.9, -2.2]}}, False),
    ({"location": "POINT(113 -2)"}, False), ({"location": [113, -2]}, False),
    ({"category": ""}, False), ({"category": "   "}, False), ({"category": None}, False), ({"category": 12}, False),
    ({"category": ["kebakaran"]}, False), ({"category": "keba\x00karan"}, False), ({"category": "keb\ud800"}, False),
    ({"address": None}, False), ({"address": 5}, False), ({"description": "a\x00b"}, False), ({"caller_name": True}, False),
    ({"answers": None}, True), ({"answers": {}}, True), ({"answers": {"conscious": "no", "n": 3, "x": None, "l": [1]}}, True),
    ({"answers": []}, False), ({"answers": "x"}, False),
    ({"call": None}, True), ({"call": 17}, True), ({"call": "17"}, False), ({"call": True}, False), ({"call": 1.0}, False),
    ({"location_accuracy_m": None}, True), ({"location_accuracy_m": 0}, True), ({"location_accuracy_m": 12.5}, True),
    ({"location_accuracy_m": 40}, True), ({"location_accuracy_m": -1}, False), ({"location_accuracy_m": "12"}, False),
    ({"location_accuracy_m": False}, False), ({"location_accuracy_m": 10**400}, False),
    ({"location_source": "map"}, True), ({"location_source": " " + "x" * 20 + " "}, True), ({"location_source": "x" * 21}, False),
    ({"location_source": ""}, True), ({"location_source": None}, False),
    ({"allow_outside_service_area": True}, True), ({"allow_outside_service_area": False}, True),
    ({"allow_outside_service_area": "true"}, False), ({"allow_outside_service_area": 1}, False),
    ({"allow_outside_service_area": None}, False),
    ({"village": None}, True), ({"village": ""}, True), ({"village": "  "}, True), ({"village": "62.71.01.1001"}, True),
    ({"village": "62.71.01.10011"}, False), ({"village": 62}, False),
    ({"command_centre": "PKY"}, True), ({"command_centre": " PKY "}, True), ({"command_centre": ""}, False),
    ({"command_centre": None}, False), ({"command_centre": "X" * 17}, False),
    ({"unknown_field": [1, 2]}, True),
]


def _serializer(cls, data):
    s = cls(data=data)
    return s, s.is_valid()


def _same(fast, drf):
    assert fast.keys() == drf.keys()
    for key, value in drf.items():
        if isinstance(value, Point):
            assert isinstance(fast[key], Point) and fast[key].coords == value.coords and fast[key].srid == value.srid
        else:
            assert fast[key] == value and type(fast[key]) is type(value), key


def _assert_agrees(fast, serializer_class, body, fast_path):
    """The hand check took the body exactly when it should have, and then gave the serializer's validated_data."""
    serializer, valid = _serializer(serializer_class, body)
    if fast is None:
        assert not fast_path, "a plainly valid body went to DRF"
        return
    assert fast_path and valid, serializer.errors
    _same(fast, dict(serializer.validated_data))


@pytest.mark.parametrize("change,fast_path", CREATE_CASES)
def test_create_input_matches_the_serializer(change, fast_path):
    body = {**BASE, **change}
    _assert_agrees(create_input(body), IncidentListCreateApi.InputSerializer, body, fast_path)


@pytest.mark.parametrize("missing", ["category", "location", "address", "caller_number"])
def test_create_input_without_a_field(missing):
    body = {k: v for k, v in BASE.items() if k != missing}
    fast = create_input(body)
    serializer, valid = _serializer(IncidentListCreateApi.InputSerializer, body)
    assert (fast is None) == (not valid)
    if fast is not None:
        _same(fast, dict(serializer.validated_data))


def test_create_input_leaves_form_bodies_to_drf():
    from django.http import QueryDict  # only this test builds one

    assert create_input(QueryDict("category=kebakaran")) is None
    assert create_input(None) is None and create_input([BASE]) is None


@pytest.mark.parametrize("body,fast_path", [
    ({}, True), ({"other": 1}, True), ({"agencies": []}, True), ({"agencies": [1, 2, 3]}, True),
    ({"agencies": list(range(1, 51))}, True), ({"agencies": list(range(1, 52))}, False), ({"agencies": [0]}, False),
    ({"agencies": ["1"]}, False), ({"agencies": [True]}, False), ({"agencies": None}, False), ({"agencies": 3}, False),
    ({"agencies": "1,2"}, False), ({"agencies": {"a": 1}}, False),
])
def test_route_input_matches_the_serializer(body, fast_path):
    _assert_agrees(route_input(body), IncidentRouteApi.InputSerializer, body, fast_path)


def test_the_hand_check_knows_every_field_of_the_serializers():
    """A field added to a serializer must be added to the hand check too, or a plainly valid body would lose it."""
    assert set(IncidentListCreateApi.InputSerializer().fields) == CREATE_FIELDS
    assert set(IncidentRouteApi.InputSerializer().fields) == ROUTE_FIELDS
