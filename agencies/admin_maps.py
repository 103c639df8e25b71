"""Read-only maps in the admin: a place shown on a small Leaflet map instead of `SRID=4326;POINT(…)`.

Editable geometries use django-leaflet's widget through `LeafletGeoAdmin` below (its toolbar in Indonesian). Records the admin only shows (incidents, AML
reports, a unit's AVL position) never build a form widget, so Django would print the geometry's WKT; these
helpers render a map container instead, which static/js/admin/point-map.js fills from its data attributes
(no inline script: the production Content-Security-Policy allows none). The map is the platform's own basemap
(static/js/lib/basemap.js, /tiles/base/) with the raster proxy of LEAFLET_CONFIG over it when one is configured;
Leaflet itself from our static files.
"""
from django.conf import settings
from django.contrib import admin
from django.forms import Media
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdmin as BaseLeafletGeoAdmin
from leaflet.admin import LeafletGeoAdminMixin as BaseLeafletGeoAdminMixin

from agencies.geo import coordinates_text


def _tiles() -> tuple[str, str]:
    layers = (getattr(settings, "LEAFLET_CONFIG", {}) or {}).get("TILES") or []
    if not layers:
        return "", ""
    layer = layers[0]
    options = layer[2] if len(layer) > 2 and isinstance(layer[2], dict) else {}
    return str(layer[1]), str(options.get("attribution", ""))


def point_map(point) -> str:
    """A map container for one point (WGS 84), with the coordinates written out beneath it."""
    if point is None:
        return "—"
    tiles, attribution = _tiles()
    return format_html(
        '<div class="admin-point-map" data-lat="{}" data-lon="{}" data-tiles="{}" data-attribution="{}"></div>'
        '<div class="admin-point-coords">{}</div>',
        point.y, point.x, tiles, attribution, coordinates_text(point.y, point.x, 6),
    )


class PointMapMedia:
    """Mixin for a ModelAdmin that shows `point_map` fields: loads Leaflet and the initialiser."""

    @property
    def media(self):
        return super().media + Media(
            js=["leaflet/leaflet.js", "vendor/protomaps-leaflet/protomaps-leaflet.js", "js/lib/basemap.js",
                "js/admin/point-map.js"],
            css={"all": ["leaflet/leaflet.css", "css/admin.css"]},
        )


def map_display(field: str, description):
    """A read-only admin column/field that draws `obj.<field>` on a map."""

    @admin.display(description=description)
    def show(self, obj):
        return point_map(getattr(obj, field, None) if obj is not None else None)

    show.__name__ = f"{field}_map"
    return show


class LeafletGeoAdminMixin(BaseLeafletGeoAdminMixin):
    """django-leaflet's editable map widget with its drawing toolbar in the page's language (django-leaflet has no
    Indonesian, and its admin widget never applies the translations it has)."""

    map_template = "agencies/admin/leaflet_widget.html"


class LeafletGeoAdmin(LeafletGeoAdminMixin, admin.ModelAdmin):
    pass
