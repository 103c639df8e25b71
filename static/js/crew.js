/* Field crew page: three big steps (en route, on scene, resolved with a note) and the phone's position
 * sent to the AVL endpoint — every ~10 s while moving, at least once a minute while standing still. */
(function () {
  "use strict";
  var gt = window.gettext || function (s) { return s; };
  var interp = window.interpolate || function (fmt, obj) { return fmt.replace(/%\((\w+)\)s/g, function (_, k) { return obj[k]; }); };
  var cfg = JSON.parse(document.getElementById("crew-config").textContent);
  var root = document.getElementById("crew");
  if (!cfg.unit) return;
  var unit = null;
  var MOVE_M = 25, IDLE_MS = 60000, INTERVAL_MS = (cfg.avlIntervalS || 10) * 1000;

  function url(tpl, id) { return tpl.replace("{id}", encodeURIComponent(id)); }
  function csrf() { var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/); return m ? decodeURIComponent(m[1]) : ""; }
  function api(method, path, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.headers["X-CSRFToken"] = csrf(); opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (d) { return { ok: r.ok, status: r.status, data: d }; });
    }, function () { return { ok: false, status: 0, data: null }; });
  }
  function setError(t) { document.getElementById("crew-error").textContent = t || ""; }

  function render() {
    if (!unit) return;
    document.getElementById("crew-status").textContent = cfg.units.labels[unit.status] || unit.status;
    var inc = document.getElementById("crew-incident");
    inc.textContent = unit.dispatch ? interp(gt("Tugas: %(ref)s"), { ref: unit.dispatch.reference }, true) : gt("Tidak sedang bertugas.");
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
      if (!r.ok) { setError((r.data && r.data.error && r.data.error.message) || gt("Gagal memuat unit.")); return; }
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
        else { setError((r.data && r.data.error && r.data.error.message) || gt("Gagal mengubah status.")); load(); }
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
    var t = Date.now();
    var moved = last ? metres(last, fix) : Infinity;
    var due = sendNow || (t - lastSent >= INTERVAL_MS && moved >= MOVE_M) || t - lastSent >= IDLE_MS;
    if (!due || pending) return;
    pending = true;
    api("POST", url(cfg.api.position, cfg.unit), {
      lat: fix.lat, lon: fix.lon,
      accuracy_m: c.accuracy != null ? Math.round(c.accuracy * 10) / 10 : null,
      speed_kmh: c.speed != null && c.speed >= 0 ? Math.round(c.speed * 36) / 10 : null,
      heading: c.heading != null && !isNaN(c.heading) ? c.heading : null,
      recorded_at: new Date(p.timestamp || t).toISOString(),
    }).then(function (r) {
      pending = false;
      var g = document.getElementById("crew-gps");
      if (r.ok) {
        last = fix; lastSent = t; sendNow = false;
        g.className = "gps on";
        g.textContent = interp(gt("Lokasi terkirim %(t)s (±%(a)s m)"), { t: new Date().toLocaleTimeString(), a: Math.round(c.accuracy || 0) }, true);
      } else {
        g.className = "gps";
        g.textContent = (r.data && r.data.error && r.data.error.message) || gt("Lokasi gagal dikirim; mencoba lagi.");
      }
    });
  }
  function onGeoError(e) {
    var g = document.getElementById("crew-gps");
    g.className = "gps";
    g.textContent = gt("Lokasi tidak tersedia") + " (" + e.message + ")";
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onPosition, onGeoError, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  } else {
    onGeoError({ message: gt("perangkat tidak mendukung") });
  }

  /* live */
  function onEvent(ev) {
    var p = ev.payload || {};
    if ((ev.kind === "unit.status_changed" && p.unit === cfg.unit) || ev.kind === "assignment.completed" || ev.kind === "assignment.handed_off") load();
  }
  function onState(s) { if (s === "live") load(); }  // live.js shows the state itself
  load().then(function () {
    if (window.LiveEvents && window.LiveEvents.start) {
      window.LiveEvents.start({ url: "/ws/events/", lastSeq: Number(root.dataset.lastSeq) || 0, onEvent: onEvent, onState: onState });
    } else {
      setInterval(load, 10000);
    }
  });
})();
