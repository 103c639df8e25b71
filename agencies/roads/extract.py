"""Read the roads (`highway=*`) and rivers (`waterway=*`) of an OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2)
with pyosmium, one line per way, in the file's order."""
from __future__ import annotations

from dataclasses import dataclass

import osmium

# Ways tagged highway=* that are not roads anyone drives or walks on (plans, platforms, indoor corridors).
SKIPPED_HIGHWAYS = frozenset({"proposed", "construction", "abandoned", "platform", "corridor", "elevator", "bus_stop", "razed", "no"})
WATERWAYS = frozenset({"river", "canal", "stream", "drain", "ditch", "riverbank", "tidal_channel"})


@dataclass(frozen=True)
class Line:
    kind: str  # "road" | "waterway"
    osm_id: int
    cls: str  # the highway or waterway value
    name: str
    ref: str
    is_bridge: bool
    oneway: bool
    coords: tuple  # ((lon, lat), …), at least two distinct points


class _Reader(osmium.SimpleHandler):
    def __init__(self, sink):
        super().__init__()
        self.sink = sink
        self.skipped = 0

    def way(self, w):
        tags = w.tags
        highway = tags.get("highway")
        waterway = tags.get("waterway")
        if highway and highway not in SKIPPED_HIGHWAYS:
            kind, cls = "road", highway
        elif waterway in WATERWAYS:
            kind, cls = "waterway", waterway
        else:
            return
        try:
            coords = tuple((n.lon, n.lat) for n in w.nodes)
        except osmium.InvalidLocationError:
            self.skipped += 1  # a way cut at the extract's edge: its outside nodes are missing
            return
        if len(set(coords)) < 2:
            self.skipped += 1
            return
        self.sink(Line(
            kind=kind,
            osm_id=w.id,
            cls=cls[:40],
            name=(tags.get("name") or "")[:200],
            ref=(tags.get("ref") or "")[:60],
            is_bridge=tags.get("bridge", "no") not in ("no", "false", "0"),
            oneway=tags.get("oneway") in ("yes", "1", "true", "-1") or tags.get("junction") == "roundabout",
            coords=coords,
        ))


def read_lines(path, sink) -> int:
    """Call `sink(Line)` for every road and waterway of the file; answers how many ways were skipped (missing
    nodes at the extract's edge, or degenerate)."""
    reader = _Reader(sink)
    # Node locations in memory ('flex_mem' switches to a dense array for big extracts by itself).
    reader.apply_file(str(path), locations=True, idx="flex_mem")
    return reader.skipped
