/* The call-taker's map: a click or a dragged pin places the incident; the caller's device location (AML)
 * shows as a circle; every open incident is a canvas pin. The basemap comes from this server (no internet needed). */
import { cfg } from "./state.js";
import { t } from "../lib/i18n.js";
import { escapeHtml } from "../lib/dom.js";

let map = null;
let incidentLayer = null;
let pin = null;
let amlMarker = null;
let onPick = () => {};
const markers = new Map();

/* pick(lat, lon, accuracy_m) is called for a click on the map and for the pin dragged elsewhere. */
export function initMap(pick) {
  onPick = pick;
  map = L.map("map", { zoomControl: true, keyboard: true, preferCanvas: true }).setView(cfg.mapCenter, 13);
  // the platform's own basemap (static/js/lib/basemap.js): roads, rivers and village names without the internet
  if (window.Basemap) window.Basemap.attach(map, cfg.tiles);
  incidentLayer = L.layerGroup().addTo(map);
  map.on("click", (e) => onPick(e.latlng.lat, e.latlng.lng, clickAccuracy()));
}

function clickAccuracy() {
  // About ten screen pixels at the current zoom: how precisely a click can be placed.
  const lat = map.getCenter().lat;
  return Math.round((156543.03 * Math.cos((lat * Math.PI) / 180)) / Math.pow(2, map.getZoom()) * 10);
}

export function placePin(ll, { quiet } = {}) {
  if (!pin) {
    pin = L.marker(ll, { draggable: true, keyboard: true, title: t("Lokasi kejadian") }).addTo(map);
    pin.on("dragend", () => {
      const p = pin.getLatLng();
      onPick(p.lat, p.lng, clickAccuracy());
    });
  } else {
    pin.setLatLng(ll);
  }
  if (!quiet) map.setView(ll, Math.max(map.getZoom(), 15));
}

/* The Leaflet map itself, for panels that draw their own layers (the caller's fix: calltaker/callerlink.js). */
export function leafletMap() { return map; }

export function removePin() {
  if (pin) { pin.remove(); pin = null; }
}

export function showAml(lat, lon, radius) {
  if (amlMarker) amlMarker.remove();
  amlMarker = L.circle([lat, lon], { radius: radius || 30, color: "#0969da" }).addTo(map);
}

export function hideAml() {
  if (amlMarker) { amlMarker.remove(); amlMarker = null; }
}

const PRIORITY_COLOUR = { 1: "#c8102e", 2: "#d4600c", 3: "#9a6700", 4: "#57606a" };

/* The pin of an open incident (list.js record: id, location [lon, lat], priority, reference). */
export function addMarker(r) {
  const id = String(r.id);
  const [lon, lat] = (r.location || []).map(Number);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
  const m = markers.get(id);
  if (m) { m.setLatLng([lat, lon]); return; }
  const colour = PRIORITY_COLOUR[r.priority] || "#57606a";
  markers.set(id, L.circleMarker([lat, lon], { radius: 6, color: colour, weight: 2, fillOpacity: 0.5 })
    // Leaflet reads a string tooltip as HTML: every value is escaped (the address is the caller's words)
    .bindTooltip([r.reference, r.address].filter(Boolean).map(escapeHtml).join(" · ")).addTo(incidentLayer));
}

export function removeMarker(id) {
  const m = markers.get(String(id));
  if (m) { m.remove(); markers.delete(String(id)); }
}

// ───────────────────────── AEDs near a suspected cardiac arrest (issue 30) ─────────────────────────
let aedLayer = null;

/* The nearest AEDs (GET /api/v1/aeds/ or the incident's nearest_aeds: {name, location, address, access, …}); [] clears. */
export function showAeds(aeds) {
  if (!map) return;
  if (!aedLayer) aedLayer = L.layerGroup().addTo(map);
  aedLayer.clearLayers();
  let drawn = 0;
  for (const a of aeds || []) {
    const c = a.location && (a.location.coordinates || a.location);
    if (!Array.isArray(c) || c.length < 2) continue;
    const [lon, lat] = c.map(Number);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    L.circleMarker([lat, lon], { radius: 8, color: "#1a7f37", weight: 3, fillColor: "#2da44e", fillOpacity: 0.9, className: "aed-marker" })
      .bindTooltip(escapeHtml(t("AED") + ": " + a.name + (a.address ? " · " + a.address : ""))).addTo(aedLayer);
    drawn += 1;
  }
  map.getContainer().dataset.aeds = String(drawn); // a canvas layer has no DOM node to count
}
