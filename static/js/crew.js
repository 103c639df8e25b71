/* Field crew page (one unit's crew login): the job the unit is on with a small map (the route by road from the
 * unit to the incident and its ETA, while on the way) and navigation links, big
 * steps (en route, on scene, …), "resolved" behind a confirmation with a note, and the phone's position sent to
 * the AVL endpoint — every ~10 s while moving, at least once a minute while standing still. The socket follows
 * the unit's own events from the first moment (the unit is the login's, nothing to pick). */
import { apiResult as api, url } from "./lib/api.js";
import { pageConfig } from "./lib/dom.js";
import { t, fmt, num } from "./lib/i18n.js";
import { priorityText } from "./lib/priority.js";
import { start as startLiveEvents } from "./lib/live.js";
import { keepPageOffline, openOutbox, serverAway } from "./lib/outbox.js";
import { clockFormatter, pageTimeZone } from "./lib/time.js";

var cfg = pageConfig("crew-config");
var root = document.getElementById("crew");
// The time a position was sent, in the unit's centre's zone (the phone's own zone may differ).
var clock = clockFormatter(pageTimeZone(root));
var STEPS = ["en_route", "on_scene", "transporting", "at_hospital"];
if (cfg.unit) startCrew();

function startCrew() {
  var unit = null, job = null, map = null, marker = null;
  var MOVE_M = 25, IDLE_MS = 60000, INTERVAL_MS = (cfg.avlIntervalS || 10) * 1000;
  var byId = function (id) { return document.getElementById(id); };

  function setError(text) { byId("crew-error").textContent = text || ""; }
  function errorOf(r, fallback) { return (r.data && r.data.error && r.data.error.message) || fallback; }

  function render() {
    if (!unit) return;
    var status = byId("crew-status");
    status.textContent = cfg.units.labels[unit.status] || unit.status;
    status.dataset.status = unit.status;
    var on = !!unit.dispatch;
    byId("crew-idle").hidden = on;
    byId("crew-job").hidden = !on;
    if (!on) { job = null; return; }
    var next = cfg.units.next[unit.status] || [];
    STEPS.forEach(function (to) { show(to, next.indexOf(to) >= 0); });
    byId("crew-resolve").hidden = false;
    byId("crew-resolve").disabled = false;
    renderJob();
    if (!job || job.id !== unit.dispatch.incident) loadJob(unit.dispatch.incident);
  }
  function show(to, yes) { var b = root.querySelector('button[data-to="' + to + '"]'); if (b) { b.hidden = !yes; b.disabled = false; } }

  function renderJob() {
    var d = unit.dispatch;
    var lon = d.location[0], lat = d.location[1];
    byId("job-ref").textContent = d.reference;
    if (job && job.id === d.incident) {
      byId("job-prio").textContent = priorityText(job.priority);
      byId("job-prio").className = "prio p" + job.priority;
      byId("job-cat").textContent = job.category_name || "";
      byId("job-addr").textContent = job.address || "";
      byId("job-desc").textContent = job.description || "";
      lon = job.location.coordinates[0]; lat = job.location.coordinates[1];
    }
    // A geo: URI opens the phone's own navigation app; OpenStreetMap is the fallback that works in any browser.
    byId("nav-geo").href = "geo:" + lat + "," + lon + "?q=" + lat + "," + lon + "(" + encodeURIComponent(d.reference) + ")";
    byId("nav-osm").href = "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon;
    drawMap(lat, lon);
    updateRoute([lon, lat]);
  }

  /* The route by road from where the unit is (the phone's last fix, else the unit's last known position) to the
   * incident, with the ETA — asked again when the unit moved 150 m or a minute passed, only while on the way. */
  var route = { layer: null, key: "", from: null, at: 0, pending: false, fitted: "" };
  var ON_THE_WAY = ["dispatched", "en_route"];
  function updateRoute(to) {
    var eta = byId("job-eta");
    var onTheWay = unit && unit.dispatch && ON_THE_WAY.indexOf(unit.status) >= 0;
    var from = last ? [last.lon, last.lat] : (unit && unit.position) || null;
    if (!onTheWay || !from || !cfg.routing) {
      if (route.layer) route.layer.clearLayers();
      eta.hidden = true;
      return;
    }
    var key = unit.dispatch.incident + ":" + to.join(",");
    var moved = route.from ? metres({ lat: route.from[1], lon: route.from[0] }, { lat: from[1], lon: from[0] }) : Infinity;
    if (route.pending || (key === route.key && moved < 150 && Date.now() - route.at < 60000)) return;
    route.pending = true;
    api("GET", cfg.api.route + "?from=" + from[0] + "," + from[1] + "&to=" + to[0] + "," + to[1] + "&unit_type=" + encodeURIComponent(unit.type || ""))
      .then(function (r) {
        route.pending = false;
        route.key = key; route.from = from; route.at = Date.now();
        eta.hidden = false;
        if (!r.ok) {
          if (route.layer) route.layer.clearLayers();
          eta.className = "job-eta unavailable";
          eta.textContent = r.status === 503 ? t("Rute jalan tidak tersedia saat ini; pakai tombol navigasi.") : errorOf(r, t("Rute tidak ditemukan."));
          return;
        }
        var d = r.data;
        eta.className = "job-eta";
        eta.textContent = fmt(t("Perkiraan tiba ±%(m)s mnt · %(km)s km lewat jalan"), {
          m: num(Math.max(1, Math.round((d.eta_s || d.duration_s) / 60))), km: num(d.distance_m / 1000, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
        }) + (d.snapped && d.to_snap_m > 0 ? " · " + fmt(t("lokasi %(s)s m dari jalan"), { s: num(Math.round(d.to_snap_m)) }) : "");
        if (!window.L || !map) return;
        if (!route.layer) route.layer = L.layerGroup().addTo(map);
        route.layer.clearLayers();
        var line = d.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
        L.polyline(line, { color: "#1f6feb", weight: 6, opacity: 0.85 }).addTo(route.layer);
        L.circleMarker([from[1], from[0]], { radius: 8, color: "#1f6feb", fillColor: "#fff", fillOpacity: 1, weight: 3 }).addTo(route.layer);
        if (route.fitted !== key) { map.fitBounds(line, { padding: [20, 20], maxZoom: 17 }); route.fitted = key; }
      });
  }
  function loadJob(incidentId) {
    api("GET", url(cfg.api.incident, incidentId)).then(function (r) {
      if (r.ok && r.data && unit && unit.dispatch && r.data.id === unit.dispatch.incident) { job = r.data; renderJob(); }
    });
  }
  function drawMap(lat, lon) {
    if (!window.L) return;
    if (!map) {
      map = L.map("crew-map", { center: [lat, lon], zoom: 16, zoomControl: true, attributionControl: true });
      if (window.Basemap) window.Basemap.attach(map, cfg.tiles);
      marker = L.circleMarker([lat, lon], { radius: 10, color: "#c8102e", fillOpacity: 0.85 }).addTo(map);
    } else {
      marker.setLatLng([lat, lon]);
      // while a route is drawn the map shows it whole (updateRoute fits it); otherwise it follows the incident
      if (!route.layer || !route.layer.getLayers().length) map.setView([lat, lon], map.getZoom());
    }
    // The card was hidden when the map was made: let Leaflet measure it again.
    setTimeout(function () { map.invalidateSize(); }, 0);
  }

  function load() {
    return api("GET", cfg.api.units).then(function (r) {
      if (!r.ok) { setError(errorOf(r, t("Gagal memuat unit."))); return; }
      unit = (r.data || []).filter(function (u) { return u.id === cfg.unit; })[0] || null;
      render();
    });
  }
  /* Without the server (issue 26): a step taken while it is away (on the way, on scene, resolved, …) waits in the
   * phone's queue (lib/outbox.js) and goes in order when it is back; the server's rules decide (a step it refuses
   * is said here and dropped). The screen shows the step at once. */
  var outbox = openOutbox({
    queue: "crew:" + cfg.unit,
    labels: {
      offline: t("Server terputus — status disimpan di ponsel ini"),
      sending: t("Mengirim status yang tersimpan…"),
      back: function (items) { return fmt(t("Tersambung kembali — %(n)s status dikirim"), { n: items.length }); },
      queued: function (n) { return n ? fmt(t("%(n)s dalam antrean"), { n: n }) : ""; },
    },
    onSent: function (item, r) { if (r.data && r.data.id === cfg.unit) { unit = r.data; render(); } },
    onRefused: function (item, r) {
      setError(fmt(t("Status \"%(s)s\" tidak dikirim: %(m)s"), { s: cfg.units.labels[item.body.status] || item.body.status, m: errorOf(r, t("Gagal mengubah status.")) }));
      load();
    },
    onState: function (online) { if (online) load(); },
  });
  keepPageOffline();
  function queueStep(body) {
    var key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    return outbox.add({ kind: "status", method: "POST", url: url(cfg.api.unitStatus, cfg.unit), body: body, key: key, label: body.status }).then(function () {
      if (unit) {
        unit = Object.assign({}, unit, { status: body.status });
        if (body.status === "resolved" || body.status === "available") unit.dispatch = null;
        render();
      }
      setError("");
      return { ok: true, queued: true, status: 202 };
    });
  }
  function send(body, button) {
    if (button) button.disabled = true;
    setError("");
    if (!outbox.online || outbox.pending) return queueStep(body);
    return api("POST", url(cfg.api.unitStatus, cfg.unit), body).then(function (r) {
      if (serverAway(r.status)) { outbox.failed(r.status); return queueStep(body); }
      if (r.ok) { unit = r.data; render(); }
      else { setError(errorOf(r, t("Gagal mengubah status."))); load(); }
      sendNow = true;  // a status change is worth a fresh position
      return r;
    });
  }
  root.querySelectorAll("button[data-to]").forEach(function (b) {
    b.addEventListener("click", function () { send({ status: b.dataset.to }, b); });
  });

  /* "Selesai" asks first, with the note in the same dialog. */
  var dialog = byId("resolve-dialog");
  byId("crew-resolve").addEventListener("click", function () {
    byId("resolve-text").textContent = fmt(t("Tugas %(ref)s selesai dan unit kembali siaga?"), { ref: unit && unit.dispatch ? unit.dispatch.reference : "" });
    dialog.showModal();
    byId("crew-note").focus();
  });
  dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
  byId("resolve-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var confirm = byId("resolve-confirm");
    confirm.disabled = true;
    send({ status: "resolved", note: byId("crew-note").value }).then(function (r) {
      confirm.disabled = false;
      if (r.ok) byId("crew-note").value = "";
      dialog.close();
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
      var g = byId("crew-gps");
      if (r.ok) {
        last = fix; lastSent = at; sendNow = false;
        if (unit && unit.dispatch) updateRoute(job && job.id === unit.dispatch.incident ? job.location.coordinates : unit.dispatch.location);
        g.className = "gps on";
        g.textContent = fmt(t("Lokasi terkirim %(t)s (±%(a)s m)"), { t: clock(new Date()), a: Math.round(c.accuracy || 0) });
      } else {
        g.className = "gps";
        g.textContent = errorOf(r, t("Lokasi gagal dikirim; mencoba lagi."));
      }
    });
  }
  /* The browser's own message ("User denied Geolocation") is English and says nothing a crew can act on: ours says
   * what happened and what to do, by the error's code (GeolocationPositionError: 1 denied, 2 unavailable, 3 timeout). */
  var GEO_ERRORS = {
    1: t("Izin lokasi ditolak. Izinkan akses lokasi untuk situs ini di pengaturan browser (ikon gembok di bilah alamat), lalu muat ulang halaman. Tanpa lokasi, dispatcher tidak melihat posisi unit."),
    2: t("Lokasi tidak tersedia. Nyalakan GPS/lokasi ponsel dan pastikan ada sinyal; lokasi dikirim lagi begitu tersedia."),
    3: t("Lokasi belum didapat (waktu habis). Pastikan GPS menyala dan ponsel tidak di dalam gedung; mencoba lagi."),
  };
  function onGeoError(e) {
    var g = byId("crew-gps");
    g.className = "gps off";
    g.dataset.error = String((e && e.code) || 0);
    g.textContent = GEO_ERRORS[e && e.code] || t("Lokasi tidak tersedia di perangkat ini. Laporkan posisi unit ke dispatcher lewat radio.");
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onPosition, onGeoError, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  } else {
    onGeoError({ code: 0 });
  }

  /* live: the socket carries this unit's own events only (its scope is the unit) */
  function onEvent(ev) {
    var p = ev.payload || {};
    if (ev.kind === "unit.status_changed" && p.unit === cfg.unit) load();
  }
  function onState(s) { if (s === "live") load(); }  // live.js shows the state itself
  load().then(function () {
    startLiveEvents({ url: "/ws/events/", lastSeq: Number(root.dataset.lastSeq) || 0, onEvent: onEvent, onState: onState });
  });
}
