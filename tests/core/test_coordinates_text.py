"""Coordinates are written with decimal points in every language (issue 23): "-2.15119, 113.97394", never the
Indonesian number format's "-2,15119, 113,97394", which reads as four numbers. Server side: the admin's point maps
and the timeline's unit positions; the consoles use static/js/lib/i18n.js: coords (tests/dispatcher)."""
from django.contrib.gis.geos import Point
from django.utils import translation

from agencies.admin_maps import point_map
from agencies.geo import coordinates_text
from incidents.timeline_text import summary


def test_coordinates_text_keeps_decimal_points():
    assert coordinates_text(-2.151186, 113.973944) == "-2.15119, 113.97394"
    assert coordinates_text(-2.2, 113.9, 6) == "-2.200000, 113.900000"


def test_the_admin_and_the_timeline_write_coordinates_the_same_way_in_indonesian():
    with translation.override("id"):
        html = str(point_map(Point(113.973944, -2.151186, srid=4326)))
        assert '<div class="admin-point-coords">-2.151186, 113.973944</div>' in html
        line = summary("unit.position", {"call_sign": "PKY-DMK-01", "position": [113.973944, -2.151186]})
        assert line == "PKY-DMK-01 · -2.15119, 113.97394"
