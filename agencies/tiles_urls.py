"""/tiles/…: the maps' own tiles (agencies/tiles.py). z/x/y are matched loosely and checked in the view, so a bad
address reads 400 in the one error shape rather than an HTML 404 page."""
from django.urls import re_path

from agencies import tiles

app_name = "tiles"

urlpatterns = [
    re_path(r"^base/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.mvt$", tiles.base_tile, name="base"),
    re_path(r"^raster/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.png$", tiles.raster_tile, name="raster"),
]
