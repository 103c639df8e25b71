/* The board's map: every open incident (icon by category, colour by state) and every unit (colour by status, faded
 * when its position is old), clustered on a pixel grid when dense so 500 incidents and 300 units stay readable and
 * cheap to draw. Works without tiles (plain canvas); tiles are opt-in (internet). Leaflet comes from django-leaflet. */
import { t, fmt } from "../lib/i18n.js";
import { escapeHtml } from "../lib/dom.js";

const CELL_PX = 64;  // wider than the widest badge ("127/31")
const STALE_MS = 5 * 60000;
// Category code → a glyph readable at a glance on a wall screen (prefix match: kebakaran_hutan_lahan → fire). Symbols
// of the Basic Multilingual Plane that common fonts carry (DejaVu, Segoe UI Symbol): a PC without a colour-emoji font
// must not show empty boxes.
const CATEGORY_ICON = [
  ["kebakaran", "♨"], ["kecelakaan", "⚠"], ["medis", "✚"], ["permintaan_ambulans", "✚"], ["banjir", "≈"],
  ["bencana", "☄"], ["pohon", "♣"], ["evakuasi_hewan", "☣"], ["kriminalitas", "⚑"], ["kdrt", "⚑"],
  ["orang_tenggelam", "⚓"], ["rumah_roboh", "⌂"], ["temuan_jenazah", "✝"], ["odgj", "♥"], ["pln", "⚡"], ["pju", "☼"], ["pdam", "≈"],
];
const UNHANDLED = new Set(["new", "routed"]);

let map = null, layer = null, basemap = null, fitted = false, pending = false;
let getState = null, onOpen = null, labelFn = null;

export function setupMap(cfg, stateFn, openIncident, label) {
  getState = stateFn; onOpen = openIncident; labelFn = label;
  if (typeof L === "undefined") return;
  map = L.map("board-map", { center: cfg.mapCenter, zoom: 11, zoomControl: true, attributionControl: false, preferCanvas: true });
  layer = L.layerGroup().addTo(map);
  map.on("zoomend moveend", redraw);
  // the platform's own basemap (static/js/lib/basemap.js); the "peta jalan" switch shows or hides it
  const toggle = document.getElementById("tiles-toggle");
  if (window.Basemap) basemap = window.Basemap.attach(map, { ...cfg.tiles, visible: toggle.checked });
  toggle.addEventListener("change", (e) => { if (basemap) basemap.setVisible(e.target.checked); });
}

function icon(category) {
  for (const [prefix, glyph] of CATEGORY_ICON) if (category && category.startsWith(prefix)) return glyph;
  return "!";
}

function age(positionAt, now) {
  if (!positionAt) return t("posisi tidak diketahui");
  const min = Math.round((now - Date.parse(positionAt)) / 60000);
  return min < 1 ? t("posisi baru saja") : fmt(t("posisi %(n)s menit lalu"), { n: min });
}

/* Redraw on the next frame: a burst of events costs one redraw. */
export function redraw() {
  if (!map || pending) return;
  pending = true;
  requestAnimationFrame(draw);
}

function draw() {
  const started = performance.now();
  pending = false;
  const state = getState();
  const now = Date.now();
  const points = [];
  for (const i of state.incidents.values()) {
    if (i.location) points.push({ kind: "incident", ll: [i.location[1], i.location[0]], row: i });
  }
  for (const u of state.units.values()) {
    if (u.position) points.push({ kind: "unit", ll: [u.position[1], u.position[0]], row: u });
  }
  if (!fitted && points.length) {
    map.fitBounds(L.latLngBounds(points.map((p) => p.ll)).pad(0.1), { maxZoom: 14, animate: false });
    fitted = true;
  }
  // Markers are kept by what they show: a redraw after one event replaces the one or two that changed, not all.
  const keep = new Map();
  const bounds = map.getBounds().pad(0.2);
  const cells = new Map();
  for (const p of points) {
    if (!bounds.contains(p.ll)) continue;
    const px = map.latLngToLayerPoint(p.ll);
    const cx = Math.floor(px.x / CELL_PX), cy = Math.floor(px.y / CELL_PX), key = cx + ":" + cy;
    if (!cells.has(key)) { const g = []; g.cell = [cx, cy]; cells.set(key, g); }
    cells.get(key).push(p);
  }
  for (const group of cells.values()) {
    if (group.length === 1) { drawPoint(group[0], now, keep); continue; }
    const incidents = group.filter((p) => p.kind === "incident");
    const hot = incidents.some((p) => UNHANDLED.has(p.row.status));
    // at the middle of its grid cell: badges of neighbouring cells never overlap
    const center = map.layerPointToLatLng(L.point((group.cell[0] + 0.5) * CELL_PX, (group.cell[1] + 0.5) * CELL_PX));
    // "incidents/units" (the legend under the map says so); a cluster of units only shows one number
    const text = incidents.length ? `${incidents.length}/${group.length - incidents.length}` : String(group.length);
    const key = `c|${center.lat.toFixed(6)}|${center.lng.toFixed(6)}|${text}|${hot}`;
    if (reuse(key, keep)) continue;
    const marker = L.marker(center, {
      icon: L.divIcon({ className: "mk-cluster" + (hot ? " hot" : "") + (incidents.length ? "" : " units"), html: `<span>${text}</span>`,
        iconSize: [Math.max(38, text.length * 8 + 8), 38] }),
      keyboard: true,
      title: fmt(t("%(i)s kejadian, %(u)s unit — klik untuk memperbesar"), { i: incidents.length, u: group.length - incidents.length }),
    });
    marker.on("click", () => map.fitBounds(L.latLngBounds(group.map((p) => p.ll)).pad(0.3)));
    keep.set(key, marker.addTo(layer));
  }
  for (const [key, marker] of shown) if (!keep.has(key)) layer.removeLayer(marker);
  shown = keep;
  // bench/board.py reads these (the first 1,000 redraws: a wall screen left on for days keeps no growing list)
  const took = window.__mapMs || (window.__mapMs = []);
  if (took.length < 1000) took.push(Math.round(performance.now() - started));
}

let shown = new Map();

function reuse(key, keep) {
  const marker = shown.get(key);
  if (marker) keep.set(key, marker);
  return !!marker;
}

function drawPoint(p, now, keep) {
  const r = p.row;
  if (p.kind === "incident") {
    const cls = "mk-incident " + (UNHANDLED.has(r.status) ? "unhandled" : "handled") + " p" + r.priority;
    const key = `i|${r.id}|${p.ll}|${cls}|${r.category}`;
    if (reuse(key, keep)) return;
    const marker = L.marker(p.ll, {
      icon: L.divIcon({ className: cls, html: `<span>${icon(r.category)}</span>`, iconSize: [28, 28] }),
      // `title` is set as a property (never parsed); the tooltip is a string Leaflet reads as HTML, so escaped
      keyboard: true, title: `${r.reference} · ${r.category_name || ""} · ${labelFn("incident", r.status)}`,
    }).bindTooltip(() => [r.reference, r.address].filter(Boolean).map(escapeHtml).join(" · "));
    marker.on("click", () => onOpen(r.id));
    keep.set(key, marker.addTo(layer));
    return;
  }
  const stale = !r.position_at || now - Date.parse(r.position_at) > STALE_MS;
  const color = r.status === "available" ? "#1a7f37" : r.status === "out_of_service" ? "#57606a" : "#0969da";
  const key = `u|${r.id}|${p.ll}|${r.status}|${stale}`;
  if (reuse(key, keep)) return;
  const marker = L.circleMarker(p.ll, { radius: 6, color: stale ? "#8c959f" : color, fillColor: color, fillOpacity: stale ? 0.3 : 0.9, dashArray: stale ? "3" : null, weight: 2 })
    .bindTooltip(() => [r.call_sign, labelFn("unit", r.status), age(r.position_at, Date.now())].map(escapeHtml).join(" · "));
  keep.set(key, marker.addTo(layer));
}
