"""The coordinate parser behind the console's "paste coordinates" and the places type-ahead."""
import pytest

from incidents.coords import CoordinateError, looks_like_coordinates, parse_coordinates


@pytest.mark.parametrize(
    "text, lat, lon",
    [
        ("-2.2096, 113.9213", -2.2096, 113.9213),
        ("-2.2096 113.9213", -2.2096, 113.9213),
        ("-2.2096;113.9213", -2.2096, 113.9213),
        ("113.9213, -2.2096", -2.2096, 113.9213),  # longitude first is recognised by range
        ("-2,2096 113,9213", -2.2096, 113.9213),  # Indonesian decimal comma
        ("2°12'34.5\"S 113°55'16.7\"E", -(2 + 12 / 60 + 34.5 / 3600), 113 + 55 / 60 + 16.7 / 3600),
        ("2° 12′ 34.5″ S, 113° 55′ 16.7″ E", -(2 + 12 / 60 + 34.5 / 3600), 113 + 55 / 60 + 16.7 / 3600),
        ("S 2°12'34.5\" E 113°55'16.7\"", -(2 + 12 / 60 + 34.5 / 3600), 113 + 55 / 60 + 16.7 / 3600),
        ("113°55'16.7\"E 2°12'34.5\"S", -(2 + 12 / 60 + 34.5 / 3600), 113 + 55 / 60 + 16.7 / 3600),
        ("2°12'34.5\" LS 113°55'16.7\" BT", -(2 + 12 / 60 + 34.5 / 3600), 113 + 55 / 60 + 16.7 / 3600),
        ("0°30'8\"LU 117°9'13\"BT", 0 + 30 / 60 + 8 / 3600, 117 + 9 / 60 + 13 / 3600),
        ("-2°12'34.5\" 113°55'16.7\"", -(2 + 12 / 60 + 34.5 / 3600), 113 + 55 / 60 + 16.7 / 3600),
        ("2°12.575'S 113°55.278'E", -(2 + 12.575 / 60), 113 + 55.278 / 60),
        ("2 12 34.5 S 113 55 16.7 E", -(2 + 12 / 60 + 34.5 / 3600), 113 + 55 / 60 + 16.7 / 3600),
        ("2.2096 S 113.9213 E", -2.2096, 113.9213),
        ("2.2096s 113.9213e", -2.2096, 113.9213),
    ],
)
def test_parses_decimal_and_dms(text, lat, lon):
    parsed = parse_coordinates(text)
    assert parsed.lat == pytest.approx(lat, abs=1e-6)
    assert parsed.lon == pytest.approx(lon, abs=1e-6)


def test_precision_follows_the_digits_given():
    assert parse_coordinates("-2.2096, 113.9213").precision_m == pytest.approx(5.6, abs=0.1)
    assert parse_coordinates("-2.2, 113.9").precision_m == pytest.approx(5566, abs=1)
    dms = parse_coordinates("2°12'34.5\"S 113°55'16.7\"E")
    assert dms.format == "dms" and dms.precision_m < 3


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-2.2096",
        "1 2 3",
        "95.5, 200",  # latitude out of range in either order
        "2°12'S 3°4'N",  # two latitudes
        "2°75'S 113°55'E",  # minutes >= 60
        "-2°12'S 113°55'E",  # minus and hemisphere both
        "jalan 5, rt 3",
        "1, 2, 3",
    ],
)
def test_rejects_with_a_message(text):
    with pytest.raises(CoordinateError) as err:
        parse_coordinates(text)
    assert str(err.value)


def test_looks_like_coordinates_is_a_cheap_filter():
    assert looks_like_coordinates("-2.2096, 113.9213")
    assert looks_like_coordinates("2°12'34.5\"S 113°55'16.7\"E")
    assert not looks_like_coordinates("Pahandut")
    assert not looks_like_coordinates("Jl. Yos Sudarso 12")
