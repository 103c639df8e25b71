/* The caller panel of the call-taker console (issue 24): Alt+S texts the caller a link (their phone then sends its
 * GPS fix, photos and chat), Alt+B adopts the newest fix. The fix is drawn as its own marker — a blue dot with its
 * accuracy circle and age, the earlier fixes as a faint trail — and never moves the incident by itself.
 *
 * What the panel is about follows the console: the call on the line (a link sent before the incident exists: where
 * the caller is, is what is missing), then the incident just logged from it (the call's link follows it). On a call,
 * adopting fills the form's location (source "caller_link"); on an incident it moves the incident (one
 * incident.updated event). A text-only (SMS) call is answered here too: its chat is this panel's.
 *
 * Only lib/ is imported; main.js hands in the console's map and its setLocation. */
import { ago, createCallerView, metresText } from "../lib/callerview.js";
import { t, fmt } from "../lib/i18n.js";

/* opts: panel, timeZone, context() → {kind: "call"|"incident", id} | null, number() → the form's caller number,
 * map() → the Leaflet map, setLocation(loc, label), notify(text, kind) */
export function mountCallerPanel(opts) {
  let marker = null, circle = null, trail = null, latest = null, renderer = null;
  const view = createCallerView({
    root: opts.panel, timeZone: opts.timeZone, canSend: true, canAct: true, keys: { send: "Alt+S", adopt: "Alt+B" },
    number: opts.number, onPositions: draw, onMessage: opts.notify,
    onAdopt: (fix, owner) => {
      if (owner.kind !== "call") return false;
      opts.setLocation({ lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m, source: "caller_link" }, t("Lokasi dari ponsel penelepon"));
      opts.notify(fmt(t("Lokasi formulir diisi dari ponsel penelepon (±%(m)s)."), { m: metresText(fix.accuracy_m) }), "ok");
      return true;
    },
  });

  function clear() {
    for (const layer of [marker, circle, trail]) if (layer) layer.remove();
    marker = circle = trail = latest = null;
  }

  function label(fix) {
    return fmt(t("Ponsel penelepon ±%(m)s · %(age)s"), { m: metresText(fix.accuracy_m), age: ago(fix.received_at, view.clock) });
  }

  /* The newest fix: a blue dot (not the incident's pin), its accuracy circle, its age; older fixes as a faint trail. */
  function draw(positions) {
    const map = opts.map();
    if (!map || !window.L) return;
    const fix = positions[0];
    if (!fix) { clear(); return; }
    const ll = [fix.lat, fix.lon];
    // SVG, not the map's canvas: the caller's dot sits above the incidents' pins and is a node of its own
    renderer = renderer || L.svg();
    if (!marker) {
      circle = L.circle(ll, { renderer, radius: fix.accuracy_m || 10, color: "#0969da", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(map);
      marker = L.circleMarker(ll, { renderer, radius: 8, color: "#ffffff", weight: 3, fillColor: "#0969da", fillOpacity: 1, className: "caller-fix-marker" })
        .bindTooltip(label(fix), { permanent: true, direction: "right", className: "caller-fix-tip" }).addTo(map);
      trail = L.layerGroup().addTo(map);
    } else {
      marker.setLatLng(ll);
      circle.setLatLng(ll).setRadius(fix.accuracy_m || 10);
      marker.setTooltipContent(label(fix));
    }
    trail.clearLayers();
    positions.slice(1, 30).forEach((p) => L.circleMarker([p.lat, p.lon], { radius: 3, color: "#0969da", weight: 1, opacity: 0.5, fillOpacity: 0.3, interactive: false }).addTo(trail));
    // the first fix of a context brings it into view; later ones do not pull the map around under the user
    if (!latest) map.setView(ll, Math.max(map.getZoom(), 16));
    latest = fix;
  }

  function key(o) { return o ? o.kind + ":" + o.id : ""; }

  function follow() {
    const next = opts.context();
    if (key(next) !== key(view.owner)) { clear(); view.setOwner(next); }
  }

  return {
    onEvent(ev) { follow(); view.onEvent(ev); },
    tick() {
      follow();
      view.tick();
      if (marker && latest) marker.setTooltipContent(label(latest));
    },
    sendLink() {
      follow();
      if (!view.owner) { opts.notify(t("Angkat panggilan dulu (F2), lalu kirim tautan."), "error"); return; }
      view.sendLink();
    },
    adopt() { follow(); view.adopt(); },
    focusReply() { follow(); if (view.owner) view.focusReply(); },
  };
}
