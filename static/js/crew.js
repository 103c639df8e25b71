/* Field crew page: three big steps (en route, on scene, resolved with a note) and the phone's position
 * sent to the AVL endpoint — every ~10 s while moving, at least once a minute while standing still. */
import { apiResult as api, url } from "./lib/api.js";
import { pageConfig } from "./lib/dom.js";
import { t, fmt } from "./lib/i18n.js";
import { start as startLiveEvents } from "./lib/live.js";
import { clockFormatter, pageTimeZone } from "./lib/time.js";

var cfg = pageConfig("crew-config");
var root = document.getElementById("crew");
// The time a position was sent, in the unit's centre's zone (the phone's own zone may differ).
var clock = clockFormatter(pageTimeZone(root));
if (cfg.unit) startCrew();

function startCrew() {
  var unit = null;
  var MOVE_M = 25, IDLE_MS = 60000, INTERVAL_MS = (cfg.avlIntervalS || 10) * 1000;

  function setError(text) { document.getElementById("crew-error").textContent = text || ""; }

  function render() {
    if (!unit) return;
    document.getElementById("crew-status").textContent = cfg.units.labels[unit.status] || unit.status;
    var inc = document.getElementById("crew-incident");
    inc.textContent = unit.dispatch ? fmt(t("Tugas: %(ref)s"), { ref: unit.dispatch.reference }) : t("Tidak sedang bertugas.");
    if (unit.dispatch) {
      api("GET", url(cfg.api.incident, unit.dispatch.incident)).then(function (r) {
        if (r.ok && r.data && unit.dispatch && r.data.id === unit.dispatch.incident) {
          inc.textContent = r.data.reference + " · " + (r.data.category_name || r.data.category) + " · " + (r.data.address || "") +
            (r.data.description ? " — " + r.data.description : "");
        }
      });
    }
    var next = cfg.units.next[unit.status] || [];
    var on = !!unit.dispatch;
    show("en_route", on && next.indexOf("en_route") >= 0);
    show("on_scene", on && next.indexOf("on_scene") >= 0);
    var canResolve = on && ["on_scene", "transporting", "at_hospital", "en_route", "dispatched"].indexOf(unit.status) >= 0;
    show("resolved", canResolve);
    document.getElementById("crew-note").hidden = !canResolve;
    document.getElementById("crew-note-label").hidden = !canResolve;
  }
  function show(to, yes) { var b = root.querySelector('button[data-to="' + to + '"]'); if (b) { b.hidden = !yes; b.disabled = false; } }

  function load() {
    return api("GET", cfg.api.units).then(function (r) {
      if (!r.ok) { setError((r.data && r.data.error && r.data.error.message) || t("Gagal memuat unit.")); return; }
      unit = (r.data || []).filter(function (u) { return u.id === cfg.unit; })[0] || null;
      render();
    });
  }
  root.querySelectorAll("button[data-to]").forEach(function (b) {
    b.addEventListener("click", function () {
      b.disabled = true;
      setError("");
      var body = { status: b.dataset.to };
      if (b.dataset.to === "resolved") body.note = document.getElementById("crew-note").value;
      api("POST", url(cfg.api.unitStatus, cfg.unit), body).then(function (r) {
        if (r.ok) { unit = r.data; if (b.dataset.to === "resolved") document.getElementById("crew-note").value = ""; render(); }
        else { setError((r.data && r.data.error && r.data.error.message) || t("Gagal mengubah status.")); load(); }
        sendNow = true;  // a status change is worth a fresh position
      });
    });
  });

  /* AVL */
  var last = null, lastSent = 0, sendNow = true, pending = false;
  function metres(a, b) {
    var R = 6371000, toR = Math.PI / 180;
    var dLat = (b.lat - a.lat) * toR, dLon = (b.lon - a.lon) * toR;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(a.lat * toR) * Math.cos(b.lat * toR) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.sqrt(h));
  }
  function onPosition(p) {
    var c = p.coords, fix = { lat: c.latitude, lon: c.longitude };
    var at = Date.now();
    var moved = last ? metres(last, fix) : Infinity;
    var due = sendNow || (at - lastSent >= INTERVAL_MS && moved >= MOVE_M) || at - lastSent >= IDLE_MS;
    if (!due || pending) return;
    pending = true;
    api("POST", url(cfg.api.position, cfg.unit), {
      lat: fix.lat, lon: fix.lon,
      accuracy_m: c.accuracy != null ? Math.round(c.accuracy * 10) / 10 : null,
      speed_kmh: c.speed != null && c.speed >= 0 ? Math.round(c.speed * 36) / 10 : null,
      heading: c.heading != null && !isNaN(c.heading) ? c.heading : null,
      recorded_at: new Date(p.timestamp || at).toISOString(),
    }).then(function (r) {
      pending = false;
      var g = document.getElementById("crew-gps");
      if (r.ok) {
        last = fix; lastSent = at; sendNow = false;
        g.className = "gps on";
        g.textContent = fmt(t("Lokasi terkirim %(t)s (±%(a)s m)"), { t: clock(new Date()), a: Math.round(c.accuracy || 0) });
      } else {
        g.className = "gps";
        g.textContent = (r.data && r.data.error && r.data.error.message) || t("Lokasi gagal dikirim; mencoba lagi.");
      }
    });
  }
  function onGeoError(e) {
    var g = document.getElementById("crew-gps");
    g.className = "gps";
    g.textContent = t("Lokasi tidak tersedia") + " (" + e.message + ")";
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onPosition, onGeoError, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  } else {
    onGeoError({ message: t("perangkat tidak mendukung") });
  }

  /* live */
  function onEvent(ev) {
    var p = ev.payload || {};
    if ((ev.kind === "unit.status_changed" && p.unit === cfg.unit) || ev.kind === "assignment.completed" || ev.kind === "assignment.handed_off") load();
  }
  function onState(s) { if (s === "live") load(); }  // live.js shows the state itself
  load().then(function () {
    startLiveEvents({ url: "/ws/events/", lastSeq: Number(root.dataset.lastSeq) || 0, onEvent: onEvent, onState: onState });
  });
}
