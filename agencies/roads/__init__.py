"""Roads and rivers: OpenStreetMap extracts loaded into PostGIS for the maps (`Road`, `Waterway`, `RoadNetwork`)
and prepared for the routing engine (OSRM's extract → partition → customize, MLD).

- `extract.py`: reading an .osm.pbf (pyosmium) into road and waterway lines;
- `engine_files.py`: running OSRM's preparation programs on it (timed, peak memory recorded);
- `services.py`: `road_network_import` — both, for `manage.py import_roads` and the demo loader;
- `selectors.py`: the roads and waterways of a bounding box (the offline map layers read them).
"""
