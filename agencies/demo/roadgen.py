"""Turn the demo road network (agencies.demo.roads) into OpenStreetMap nodes and ways, deterministically.

What makes it a usable network rather than a drawing:
- **bridges** are placed square to the river at their point; a road names a bridge end and is joined to it;
- **grids** are cut where a street would cross a river or come nearer than the river's clearance;
- **junctions**: wherever two roads cross (or one ends on another) they share a node — except a bridge, which
  joins only at its two ends (a road passing under it does not climb onto it);
- **no road crosses a river except on a bridge** (checked: a violation raises, so a bad edit of the data fails
  the demo loader and the tests instead of making a ferry);
- **one piece per city**: a grid the arterials miss is joined to the rest by a short link that crosses no river;
- **access roads** from every demo station (and the few places in roads.EXTRA_ACCESS) to the nearest road.

The output is the same for the same data: node and way ids follow the order of the data, and `digest()` names it.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from agencies.demo import agencies as agency_data
from agencies.demo import roads as spec

M_PER_DEG_LAT = 110_574.0
SNAP_M = 3.0  # an end this near another road joins it
LINK_MAX_M = 3000.0


def m_per_deg_lon(lat: float) -> float:
    return 111_320.0 * math.cos(math.radians(lat))


def metres(a, b) -> float:
    lat = (a[1] + b[1]) / 2
    return math.hypot((a[0] - b[0]) * m_per_deg_lon(lat), (a[1] - b[1]) * M_PER_DEG_LAT)


def _xy(p, lat0):
    return (p[0] * m_per_deg_lon(lat0), p[1] * M_PER_DEG_LAT)


def point_segment_m(p, a, b) -> tuple[float, float]:
    """Distance in metres from p to segment ab, and the position t (0..1) of the nearest point on ab."""
    lat0 = p[1]
    (px, py), (ax, ay), (bx, by) = _xy(p, lat0), _xy(a, lat0), _xy(b, lat0)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy)), t


def segment_intersection(p1, p2, q1, q2):
    """(t, u) where p1p2 and q1q2 cross (each within its segment), or None (parallel or apart)."""
    d1 = (p2[0] - p1[0], p2[1] - p1[1])
    d2 = (q2[0] - q1[0], q2[1] - q1[1])
    denom = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(denom) < 1e-18:
        return None
    e = (q1[0] - p1[0], q1[1] - p1[1])
    t = (e[0] * d2[1] - e[1] * d2[0]) / denom
    u = (e[0] * d1[1] - e[1] * d1[0]) / denom
    if -1e-12 <= t <= 1 + 1e-12 and -1e-12 <= u <= 1 + 1e-12:
        return t, u
    return None


def lerp(a, b, t):
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


@dataclass
class Way:
    tags: dict
    coords: list  # [(lon, lat), …]
    is_bridge: bool = False
    # points to insert: segment index → [(t, (lon, lat))]
    inserts: dict = field(default_factory=lambda: defaultdict(list))


@dataclass
class Network:
    nodes: list  # [(id, lon, lat)]
    ways: list  # [(id, [node ids], tags)]

    def digest(self) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([self.nodes, self.ways], separators=(",", ":"), sort_keys=True).encode())
        return h.hexdigest()


class RiverCrossing(ValueError):
    """A road that is not a bridge crosses (or comes too near) a river: the demo data needs fixing."""


# ───────────── rivers and bridges ─────────────
def _rivers():
    return {r["name"]: r for r in spec.RIVERS}


def _river_segments():
    for river in spec.RIVERS:
        line = river["line"]
        for a, b in zip(line, line[1:]):
            yield river, a, b


def bridge_ends() -> dict[str, tuple[float, float]]:
    """'<bridge>:a' (left bank looking downstream) and '<bridge>:b' → the bridge's end points."""
    ends = {}
    rivers = _rivers()
    for bridge in spec.BRIDGES:
        line = rivers[bridge["river"]]["line"]
        at = bridge["at"]
        seg = min(zip(line, line[1:]), key=lambda ab: point_segment_m(at, *ab)[0])
        lat0 = at[1]
        fx, fy = (seg[1][0] - seg[0][0]) * m_per_deg_lon(lat0), (seg[1][1] - seg[0][1]) * M_PER_DEG_LAT
        norm = math.hypot(fx, fy)
        # left of the flow: the direction turned a quarter to the left
        lx, ly = -fy / norm, fx / norm
        half = bridge["length_m"] / 2
        ends[bridge["name"] + ":a"] = (at[0] + lx * half / m_per_deg_lon(lat0), at[1] + ly * half / M_PER_DEG_LAT)
        ends[bridge["name"] + ":b"] = (at[0] - lx * half / m_per_deg_lon(lat0), at[1] - ly * half / M_PER_DEG_LAT)
    return ends


def crosses_river(a, b) -> str | None:
    """The river segment ab crosses, or comes nearer than that river's clearance, if any."""
    for river, r1, r2 in _river_segments():
        if segment_intersection(a, b, r1, r2):
            return river["name"]
        clearance = river["clearance_m"]
        for p, (s1, s2) in ((a, (r1, r2)), (b, (r1, r2)), (r1, (a, b)), (r2, (a, b))):
            if point_segment_m(p, s1, s2)[0] < clearance:
                return river["name"]
    return None


# ───────────── building ─────────────
def _grid_ways(grid) -> list[Way]:
    cols, rows = grid["size"]
    spacing, angle = grid["spacing_m"], math.radians(grid["angle"])
    o = grid["origin"]
    rnd = random.Random(grid["name"])
    ux, uy = math.cos(angle), math.sin(angle)  # "east" street direction
    vx, vy = -math.sin(angle), math.cos(angle)  # "north"

    def at(i, j):
        x, y = i * spacing * ux + j * spacing * vx, i * spacing * uy + j * spacing * vy
        return (round(o[0] + x / m_per_deg_lon(o[1]), 7), round(o[1] + y / M_PER_DEG_LAT, 7))

    ways = []
    lines = [("{} {}".format(grid["name"], _roman(j + 1)), [at(i, j) for i in range(cols)]) for j in range(rows)]
    lines += [("Gang {} {}".format(grid["name"], i + 1), [at(i, j) for j in range(rows)]) for i in range(cols)]
    for name, points in lines:
        run = []
        for a, b in zip(points, points[1:]):
            keep = rnd.random() >= grid["drop"] and not crosses_river(a, b)
            if keep:
                run = run or [a]
                run.append(b)
            else:
                if len(run) >= 2:
                    ways.append(Way({"highway": "residential", "name": "Jalan " + name}, run))
                run = []
        if len(run) >= 2:
            ways.append(Way({"highway": "residential", "name": "Jalan " + name}, run))
    return ways


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _road_ways(ends) -> list[Way]:
    ways = []
    for road in spec.ROADS:
        coords = [ends[p] if isinstance(p, str) else tuple(p) for p in road["line"]]
        for a, b in zip(coords, coords[1:]):
            river = crosses_river(a, b)
            if river:
                raise RiverCrossing(f"{road['name']} {a}–{b} crosses or runs along {river}: route it over a bridge")
        tags = {"highway": road["highway"], "name": road["name"]}
        if road.get("oneway"):
            tags["oneway"] = "yes"
        ways.append(Way(tags, coords))
    for bridge in spec.BRIDGES:
        tags = {"highway": bridge["highway"], "name": bridge["name"], "bridge": "yes", "layer": "1"}
        ways.append(Way(tags, [ends[bridge["name"] + ":a"], ends[bridge["name"] + ":b"]], is_bridge=True))
    return ways


def _access_points():
    for stations in agency_data.AGENCIES.values():
        for agency in stations:
            for station in agency["stations"]:
                yield station["name"], tuple(station["location"])
    yield from ((name, tuple(p)) for name, p in spec.EXTRA_ACCESS)


def _nearest_on_ways(p, ways, *, max_m=LINK_MAX_M):
    """(distance, way, segment index, t, point) of the nearest point on a non-bridge way reachable from p without
    crossing a river."""
    best = None
    for way in ways:
        if way.is_bridge:
            continue
        for k, (a, b) in enumerate(zip(way.coords, way.coords[1:])):
            d, t = point_segment_m(p, a, b)
            if d <= max_m and (best is None or d < best[0]):
                q = lerp(a, b, t)
                if not _link_crosses(p, q):
                    best = (d, way, k, t, q)
    return best


def _link_crosses(a, b) -> bool:
    for _river, r1, r2 in _river_segments():
        if segment_intersection(a, b, r1, r2):
            return True
    return False


def _add_access(ways):
    seen = set()
    for name, p in _access_points():
        if p in seen:
            continue
        seen.add(p)
        found = _nearest_on_ways(p, ways)
        if found is None:
            continue  # no road near (a station outside the demo network): routing snaps it and says so
        d, way, k, t, q = found
        if d < SNAP_M:
            continue
        q = (round(q[0], 7), round(q[1], 7))
        way.inserts[k].append((t, q))
        ways.append(Way({"highway": "service", "name": "Akses " + name}, [p, q]))


def _node_crossings(ways):
    """Every crossing of two non-bridge ways becomes a point of both; an end lying on another way joins it."""
    cell = 0.004  # ≈ 450 m buckets
    buckets = defaultdict(list)
    segs = []
    for wi, way in enumerate(ways):
        if way.is_bridge:
            continue
        for k, (a, b) in enumerate(zip(way.coords, way.coords[1:])):
            sid = len(segs)
            segs.append((wi, k, a, b))
            for cx in range(int(math.floor(min(a[0], b[0]) / cell)), int(math.floor(max(a[0], b[0]) / cell)) + 1):
                for cy in range(int(math.floor(min(a[1], b[1]) / cell)), int(math.floor(max(a[1], b[1]) / cell)) + 1):
                    buckets[(cx, cy)].append(sid)
    done = set()
    for members in buckets.values():
        for i, s1 in enumerate(members):
            for s2 in members[i + 1:]:
                pair = (s1, s2) if s1 < s2 else (s2, s1)
                if pair in done:
                    continue
                done.add(pair)
                w1, k1, a1, b1 = segs[s1]
                w2, k2, a2, b2 = segs[s2]
                if w1 == w2 and abs(k1 - k2) <= 1:
                    continue
                hit = segment_intersection(a1, b1, a2, b2)
                if hit:
                    t, u = hit
                    q = (round(a1[0] + (b1[0] - a1[0]) * t, 7), round(a1[1] + (b1[1] - a1[1]) * t, 7))
                    ways[w1].inserts[k1].append((t, q))
                    ways[w2].inserts[k2].append((u, q))
                    continue
                # an end of one lying on the other (T junction), within SNAP_M
                for (wa, ka, pa), (wb, kb, sa, sb) in (
                    ((w1, k1, a1), (w2, k2, a2, b2)), ((w1, k1, b1), (w2, k2, a2, b2)),
                    ((w2, k2, a2), (w1, k1, a1, b1)), ((w2, k2, b2), (w1, k1, a1, b1)),
                ):
                    d, t = point_segment_m(pa, sa, sb)
                    if d < SNAP_M and 0 < t < 1:
                        ways[wb].inserts[kb].append((t, pa))


def _materialise(ways):
    node_ids, nodes, out = {}, [], []

    def nid(p):
        key = (round(p[0], 7), round(p[1], 7))
        if key not in node_ids:
            node_ids[key] = len(nodes) + 1
            nodes.append((node_ids[key], key[0], key[1]))
        return node_ids[key]

    for way in ways:
        points = []
        for k, (a, b) in enumerate(zip(way.coords, way.coords[1:])):
            if k == 0:
                points.append(a)
            points.extend(q for _t, q in sorted(way.inserts.get(k, []), key=lambda x: x[0]) if 0 < _t < 1)
            points.append(b)
        refs = []
        for p in points:
            n = nid(p)
            if not refs or refs[-1] != n:
                refs.append(n)
        if len(refs) >= 2:
            out.append((len(out) + 1, refs, dict(way.tags)))
    return nodes, out


def _components(nodes, ways):
    parent = {n[0]: n[0] for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _wid, refs, _tags in ways:
        for a, b in zip(refs, refs[1:]):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    comps = defaultdict(list)
    for _wid, refs, _tags in ways:
        for r in refs:
            comps[find(r)].append(r)
    return {root: sorted(set(members)) for root, members in comps.items()}


def _join_islands(ways):
    """Link every piece of the network that is cut off from the bigger one near it (no river crossed)."""
    for _round in range(50):
        nodes, built = _materialise(ways)
        comps = _components(nodes, built)
        if len(comps) <= len(_cities()):
            return
        where = {n[0]: (n[1], n[2]) for n in nodes}
        ordered = sorted(comps.values(), key=len)
        joined = False
        for small in ordered:
            others = [n for members in comps.values() if members is not small for n in members]
            best = None
            for a in small:
                pa = where[a]
                for b in others:
                    pb = where[b]
                    d = metres(pa, pb)
                    if d <= LINK_MAX_M and (best is None or d < best[0]) and not _link_crosses(pa, pb):
                        best = (d, pa, pb)
            if best:
                ways.append(Way({"highway": "unclassified", "name": "Jalan Penghubung"}, [best[1], best[2]]))
                joined = True
                break
        if not joined:
            return


def _cities():
    """Networks that stay separate (hundreds of km apart): Palangka Raya, Samarinda, Paser."""
    return ("pky", "smd", "psr")


def build() -> Network:
    ends = bridge_ends()
    ways = _road_ways(ends)
    for grid in spec.GRIDS:
        ways.extend(_grid_ways(grid))
    _add_access(ways)
    _node_crossings(ways)
    _join_islands(ways)
    for way in ways:
        way.inserts.clear()
    _node_crossings(ways)
    nodes, built = _materialise(ways)
    rivers = []
    for river in spec.RIVERS:
        rivers.append((river["line"], {"waterway": river["kind"], "name": river["name"]}))
    # rivers as ways of their own nodes (ids after the roads')
    next_node = len(nodes) + 1
    for line, tags in rivers:
        refs = []
        for p in line:
            nodes.append((next_node, round(p[0], 7), round(p[1], 7)))
            refs.append(next_node)
            next_node += 1
        built.append((len(built) + 1, refs, tags))
    return Network(nodes=nodes, ways=built)


def write_pbf(network: Network, path) -> None:
    """The network as an .osm.pbf (nodes first, then ways, ids ascending: what osrm-extract expects)."""
    import os

    import osmium
    from osmium.osm.mutable import Node, Way as OsmWay

    if os.path.exists(path):
        os.remove(path)
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id, lon, lat in network.nodes:
            writer.add_node(Node(id=node_id, location=(lon, lat), version=1, tags={}))
        for way_id, refs, tags in network.ways:
            writer.add_way(OsmWay(id=way_id, nodes=refs, version=1, tags=tags))
    finally:
        writer.close()


def demo_network_file(out=None) -> tuple["Path", bool]:
    """Write the demo network's .osm.pbf unless the file there already holds it (its digest, kept beside it, is the
    network's); answers the path and whether it was written."""
    from pathlib import Path

    from django.conf import settings

    path = Path(out) if out else Path(settings.OSRM_DATA_DIR) / "demo-source" / "demo.osm.pbf"
    network = build()
    digest = network.digest()
    digest_file = path.with_name(path.name + ".digest")
    if path.is_file() and digest_file.is_file() and digest_file.read_text().strip() == digest:
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.osm.pbf")
    write_pbf(network, tmp)
    tmp.replace(path)
    digest_file.write_text(digest + "\n")
    return path, True
