/* Agency dispatcher console (issue 5). Lists come from REST API v1; live events (lib/live.js, from the
 * page's data-last-seq) tell the console when to reload them, and move unit markers directly. */
import { apiResult as api, url } from "./lib/api.js";
import { el, escapeHtml, pageConfig } from "./lib/dom.js";
import { t, fmt, num } from "./lib/i18n.js";
import { start as startLiveEvents } from "./lib/live.js";
import { serverAway } from "./lib/outbox.js";
import { setupDetail, openDetail, detailKeys, refreshDetail } from "./dispatcher/detail.js";
import { detailCallerEvent } from "./dispatcher/caller.js";
import { cardParts } from "./dispatcher/cards.js";
import { mountDone } from "./dispatcher/done.js";
import { mountOffline } from "./dispatcher/offline.js";
import { mountCallouts } from "./volunteers/callouts-panel.js";

var cfg = pageConfig("dp-config");
var root = document.getElementById("dp");
var clockOffset = Date.parse(cfg.serverNow) - Date.now();  // server clock minus ours
var state = { offered: [], accepted: [], units: [], loaded: false };
var parts = cardParts(cfg), prio = parts.prio, catLabel = parts.catLabel, detailButton = parts.detailButton;
var done = mountDone(cfg, root.dataset.timeZone);  // "Selesai hari ini"
var STALE_MS = 5 * 60 * 1000;
// Volunteer call-outs of the incident picked with its "Relawan" button (default: the first handled one);
// Alt+V opens "call out volunteers" for it.
var volunteerIncident = null;
function currentVolunteerIncident() {
  var a = state.accepted.filter(function (x) { return x.incident === volunteerIncident; })[0] || state.accepted[0];
  return a ? { id: a.incident, reference: a.incident_reference, category: a.incident_category } : null;
}
var volunteers = mountCallouts({ panel: document.getElementById("callouts-panel"), current: currentVolunteerIncident, timeZone: root.dataset.timeZone });
document.addEventListener("keydown", function (e) {
  if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyV") { e.preventDefault(); volunteers.open(); }
});

function now() { return Date.now() + clockOffset; }
function errorMessage(res) {
  if (res.data && res.data.error) return res.data.error.message;
  if (res.status === 0) return t("Tidak dapat terhubung ke server.");
  return fmt(t("Permintaan gagal (HTTP %(s)s)."), { s: res.status });
}
var flashTimer = null;
/* `action`: an optional {label, run} shown as a button in the toast (an undo), for as long as the toast stays (`sticky`: until pressed). */
function flash(text, kind, action, sticky) {
  var f = document.getElementById("dp-flash");
  f.textContent = text;
  f.className = "dp-flash " + (kind || "error");
  if (action) {
    f.appendChild(document.createTextNode(" "));
    f.appendChild(el("button", { type: "button", class: "secondary flash-action", text: action.label, onclick: function () {
      f.hidden = true; action.run();
    } }));
  }
  f.hidden = false;
  clearTimeout(flashTimer);
  if (!sticky) flashTimer = setTimeout(function () { f.hidden = true; }, action ? 10000 : 8000);
}
function fieldErrors(form, res) {
  form.querySelectorAll(".field-error").forEach(function (n) { n.textContent = ""; });
  var fields = (res.data && res.data.error && res.data.error.fields) || {};
  var shown = false;
  Object.keys(fields).forEach(function (k) {
    var n = form.querySelector('.field-error[data-for="' + k + '"]');
    if (n) { n.textContent = fields[k].join(" "); shown = true; }
  });
  if (!shown) flash(errorMessage(res));
}
function ageText(iso) {
  if (!iso) return t("posisi tidak diketahui");
  var s = Math.max(0, Math.round((now() - Date.parse(iso)) / 1000));
  if (s < 60) return fmt(t("%(n)s dtk lalu"), { n: s });
  if (s < 3600) return fmt(t("%(n)s mnt lalu"), { n: Math.floor(s / 60) });
  return fmt(t("%(n)s jam lalu"), { n: Math.floor(s / 3600) });
}
function countdownText(ms) {
  if (ms <= 0) return t("lewat batas — menunggu eskalasi");
  var s = Math.ceil(ms / 1000);
  return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
}

/* ── loading ── */
var reloadTimer = null;
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadAll, 150);
}
function loadAll() {
  var a = api("GET", cfg.api.assignments + "?status=offered,accepted&open=1&limit=500");
  var u = api("GET", cfg.api.units);
  return Promise.all([a, u]).then(function (rs) {
    if (rs[0].ok) {
      var rows = (rs[0].data && rs[0].data.results) || rs[0].data || [];
      state.offered = rows.filter(function (x) { return x.status === "offered"; })
        .sort(function (x, y) { return Date.parse(x.ack_deadline) - Date.parse(y.ack_deadline); });
      state.accepted = rows.filter(function (x) { return x.status === "accepted"; })
        .sort(function (x, y) { return x.incident_priority - y.incident_priority || Date.parse(y.offered_at) - Date.parse(x.offered_at); });
    } else {
      flash(errorMessage(rs[0]));
    }
    if (rs[1].ok) state.units = rs[1].data || [];
    state.loaded = true;
    render();
  });
}

/* ── without the server (issue 26): accept, decline, "selesai" queued on this computer (dispatcher/offline.js) ── */
var offline = mountOffline({ cfg: cfg, state: state, render: render, flash: flash, errorMessage: errorMessage, scheduleReload: scheduleReload }),
  outbox = offline.outbox, queueAction = offline.queueAction;

/* ── actions ── */
function act(method, path, body, okText, queueAs) {
  if (queueAs && (!outbox.online || outbox.pending)) return queueAction(queueAs.kind, path, body, queueAs.assignment);
  return api(method, path, body).then(function (res) {
    if (queueAs && serverAway(res.status)) { outbox.failed(res.status); return queueAction(queueAs.kind, path, body, queueAs.assignment); }
    if (res.ok) { if (okText) flash(okText, "ok"); }
    else if (res.status === 409) {
      // Someone else was faster (or the state moved): say so and show the screen as it is now.
      flash(errorMessage(res), "conflict");
    } else if (res.status !== 400) {
      flash(errorMessage(res));
    }
    loadAll();
    return res;
  });
}
function accept(a) {
  return act("POST", url(cfg.api.accept, a.id), {}, fmt(t("%(ref)s diterima."), { ref: a.incident_reference }), { kind: "accept", assignment: a });
}

function openDialog(id, a) {
  var d = document.getElementById(id);
  d.dataset.assignment = a.id;
  d.dataset.incident = a.incident;
  d.querySelector(".ref").textContent = a.incident_reference;
  d.querySelectorAll(".field-error").forEach(function (n) { n.textContent = ""; });
  if (d.showModal) d.showModal(); else d.setAttribute("open", "");
  return d;
}
function closeDialog(d) { if (d.close) d.close(); else d.removeAttribute("open"); }
document.querySelectorAll("dialog [data-close]").forEach(function (b) {
  b.addEventListener("click", function () { closeDialog(b.closest("dialog")); });
});

function findAssignment(id) {
  id = Number(id);
  return state.offered.concat(state.accepted).filter(function (a) { return a.id === id; })[0];
}

document.getElementById("decline-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var d = document.getElementById("decline-dialog");
  var reason = document.getElementById("decline-reason").value.trim();
  if (!reason) { d.querySelector('[data-for="reason"]').textContent = t("Alasan penolakan wajib diisi."); return; }
  var declined = findAssignment(d.dataset.assignment);
  act("POST", url(cfg.api.decline, d.dataset.assignment), { reason: reason }, null, { kind: "decline", assignment: declined }).then(function (res) {
    if (res.queued) { closeDialog(d); document.getElementById("decline-reason").value = ""; return; }
    if (res.ok) { closeDialog(d); document.getElementById("decline-reason").value = ""; flash(t("Penugasan ditolak."), "ok"); }
    else if (res.status === 400) fieldErrors(d, res);
    else { closeDialog(d); flash(errorMessage(res), res.status === 409 ? "conflict" : "error"); }
    loadAll();
  });
});

/* The handoff list: grouped by centre (ours first), filtered by what the dispatcher types — every word must
 * appear in the agency's short or full name, its kind or its centre. */
function fillHandoffTargets(query) {
  var sel = document.getElementById("handoff-agency");
  var chosen = sel.value;
  var words = (query || "").toLowerCase().split(/\s+/).filter(Boolean);
  sel.textContent = "";
  var shown = 0;
  cfg.handoffTargets.forEach(function (g) {
    var og = el("optgroup", { label: g.centre });
    g.agencies.forEach(function (a) {
      if (cfg.agencyIds.indexOf(a.id) >= 0) return;  // not to ourselves
      var hay = (a.name + " " + a.full_name + " " + a.type + " " + g.centre).toLowerCase();
      if (!words.every(function (w) { return hay.indexOf(w) >= 0; })) return;
      og.appendChild(el("option", { value: a.id, title: a.full_name, text: a.name + " — " + a.type, selected: String(a.id) === chosen }));
      shown += 1;
    });
    if (og.children.length) sel.appendChild(og);
  });
  if (!shown) sel.appendChild(el("option", { value: "", disabled: true, text: t("Tidak ada instansi yang cocok.") }));
}
fillHandoffTargets();
function showChain(a) {
  var box = document.getElementById("handoff-chain");
  box.textContent = "";
  api("GET", url(cfg.api.chain, a.id)).then(function (res) {
    if (!res.ok || !res.data || res.data.length < 2) return;
    box.appendChild(el("h4", { text: t("Riwayat pengalihan") }));
    var ol = el("ol");
    res.data.forEach(function (l) {
      ol.appendChild(el("li", { text: l.agency_name + " (" + l.command_centre.toUpperCase() + ") — " + l.status + (l.reason ? ": " + l.reason : "") }));
    });
    box.appendChild(ol);
  });
}
document.getElementById("handoff-search").addEventListener("input", function (e) { fillHandoffTargets(e.target.value); });
document.getElementById("handoff-search").addEventListener("keydown", function (e) {
  // Esc closes the dialog at once (a search field would only clear its text on the first Esc).
  if (e.key === "Escape") { e.preventDefault(); closeDialog(document.getElementById("handoff-dialog")); return; }
  // Arrow down from the search box walks into the list (the first agency still shown).
  if (e.key !== "ArrowDown") return;
  var sel = document.getElementById("handoff-agency");
  var first = sel.querySelector("option:not([disabled])");
  if (first) { e.preventDefault(); sel.value = first.value; sel.focus(); }
});
document.getElementById("handoff-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var d = document.getElementById("handoff-dialog");
  var body = { to_agency: Number(document.getElementById("handoff-agency").value) || null, reason: document.getElementById("handoff-reason").value.trim() };
  // Our own messages beside the fields, in the page's language (the form is novalidate: no browser bubbles).
  var missing = {};
  if (!body.to_agency) missing.to_agency = [t("Pilih instansi tujuan.")];
  if (!body.reason) missing.reason = [t("Alasan pengalihan wajib diisi.")];
  if (Object.keys(missing).length) { fieldErrors(d, { data: { error: { fields: missing } } }); return; }
  api("POST", url(cfg.api.handoff, d.dataset.assignment), body).then(function (res) {
    if (res.ok) { closeDialog(d); document.getElementById("handoff-reason").value = ""; flash(t("Kejadian dialihkan; instansi tujuan harus menerimanya."), "ok"); }
    else if (res.status === 400) fieldErrors(d, res);
    else { closeDialog(d); flash(errorMessage(res), res.status === 409 ? "conflict" : "error"); }
    loadAll();
  });
});

/* Hand off an offer or a handled incident: the same searchable list, grouped by centre, with the reason. */
function openHandoff(a) {
  document.getElementById("handoff-search").value = "";
  fillHandoffTargets("");
  openDialog("handoff-dialog", a);
  showChain(a);
  document.getElementById("handoff-search").focus();
}

function loadRecommendations() {
  var d = document.getElementById("dispatch-dialog");
  var any = document.getElementById("recommend-any").checked;
  var tbody = document.getElementById("recommend-rows");
  tbody.textContent = "";
  api("GET", url(cfg.api.recommend, d.dataset.incident) + (any ? "?any=1&limit=10" : "?limit=10")).then(function (res) {
    if (!res.ok) { tbody.appendChild(el("tr", {}, [el("td", { colspan: 5, text: errorMessage(res) })])); return; }
    var byRoad = res.data.basis === "road";
    document.getElementById("dispatch-caps").textContent = (res.data.capabilities.length
      ? fmt(byRoad ? t("Unit siaga yang tiba paling dulu (waktu tempuh lewat jalan) dengan kemampuan: %(c)s") : t("Unit siaga terdekat dengan kemampuan: %(c)s"),
        { c: res.data.capabilities.map(capabilityName).join(", ") })
      : (byRoad ? t("Unit siaga yang tiba paling dulu (waktu tempuh lewat jalan, semua kemampuan)") : t("Unit siaga terdekat (semua kemampuan)")))
      + (byRoad ? "" : " — " + t("mesin rute tidak menjawab: urutan garis lurus, perkiraan kasar"));
    if (!res.data.units.length) {
      tbody.appendChild(el("tr", {}, [el("td", { colspan: 5, text: t("Tidak ada unit siaga yang sesuai.") })]));
    }
    res.data.units.forEach(function (u, i) {
      var oneDecimal = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
      // by road: the road distance, the straight line beside it; otherwise the straight line, said so
      var km = u.basis === "road"
        ? fmt(t("%(r)s km lewat jalan (%(d)s km garis lurus)"), { r: num(u.road_m / 1000, oneDecimal), d: num(u.distance_m / 1000, oneDecimal) })
        : fmt(t("%(d)s km garis lurus"), { d: num(u.distance_m / 1000, oneDecimal) });
      tbody.appendChild(el("tr", {}, [
        el("td", {}, [el("input", { type: "checkbox", name: "unit", value: u.id, id: "rec-" + u.id, checked: i === 0 ? "checked" : null })]),
        el("td", {}, [el("label", { for: "rec-" + u.id, text: u.call_sign })]),
        el("td", { text: u.type_display }),
        el("td", { text: km }),
        el("td", { text: fmt(u.basis === "road" ? t("%(m)s mnt") : t("±%(m)s mnt (kasar)"), { m: num(Math.max(1, Math.round(u.eta_min)), { maximumFractionDigits: 0 }) }) }),
      ]));
    });
  });
}
document.getElementById("recommend-any").addEventListener("change", loadRecommendations);
document.getElementById("dispatch-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var d = document.getElementById("dispatch-dialog");
  var ids = Array.prototype.map.call(d.querySelectorAll('input[name="unit"]:checked'), function (c) { return Number(c.value); });
  if (!ids.length) { d.querySelector('[data-for="units"]').textContent = t("Pilih minimal satu unit."); return; }
  api("POST", url(cfg.api.dispatch, d.dataset.assignment), { units: ids }).then(function (res) {
    if (res.ok) { closeDialog(d); flash(t("Unit ditugaskan."), "ok"); }
    else if (res.status === 400) fieldErrors(d, res);
    else { closeDialog(d); flash(errorMessage(res), res.status === 409 ? "conflict" : "error"); }
    loadAll();
  });
});
document.getElementById("complete-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var d = document.getElementById("complete-dialog");
  act("POST", url(cfg.api.complete, d.dataset.assignment), { note: document.getElementById("complete-note").value }, t("Penanganan selesai."),
    { kind: "complete", assignment: findAssignment(d.dataset.assignment) }).then(function (res) {
    if (res.ok || res.status !== 400) closeDialog(d); else fieldErrors(d, res);
  });
});

/* ── rendering ── */
function capabilityName(code) { return (cfg.capabilities && cfg.capabilities[code]) || code; }
function handoffButton(a) {
  return el("button", { type: "button", class: "secondary", "data-action": "handoff", text: t("Alihkan"),
    title: t("Alihkan ke instansi lain, juga pusat panggilan lain"), onclick: function () { openHandoff(a); } });
}
function renderOffered() {
  var ol = document.getElementById("offered");
  ol.textContent = "";
  state.offered.forEach(function (a) {
    var kids = [
      el("div", { class: "row1" }, [prio(a.incident_priority), el("strong", { class: "ref", text: a.incident_reference }),
        catLabel(a)]),
      el("div", { class: "addr", text: a.incident_address || "—" }),
      a.escalation_stage ? el("div", { class: "note", text: t("Eskalasi dari instansi lain") }) : null,
      a.previous && a.reason ? el("div", { class: "note", text: t("Dialihkan") + ": " + a.reason }) : null,
      cfg.agencyIds.length === 1 ? null : el("div", { class: "agency", text: a.agency_name }),
      el("div", { class: "countdown", "data-deadline": a.ack_deadline, "aria-label": t("Sisa waktu konfirmasi") }),
    ];
    // Not ours to handle: pass it on straight from the offer (also to another centre), no need to accept first.
    kids.push(el("div", { class: "actions" }, [detailButton(a), cfg.canAct ? handoffButton(a) : null]));
    if (cfg.canAct) {
      kids.push(el("div", { class: "actions" }, [
        el("button", { type: "button", class: "big accept", "data-action": "accept", text: t("Terima"), onclick: function (e) { e.target.disabled = true; accept(a); } }),
        el("button", { type: "button", class: "big decline", "data-action": "decline", text: t("Tolak"), onclick: function () { openDialog("decline-dialog", a); document.getElementById("decline-reason").focus(); } }),
      ]));
    }
    var li = el("li", { class: "offer", "data-assignment": a.id, "data-incident": a.incident, "aria-label": a.incident_reference + " · " + a.incident_category_name }, kids);
    detailKeys(li, function () { openDetail(a, li); });
    ol.appendChild(li);
  });
  document.getElementById("offered-count").textContent = state.offered.length;
  document.getElementById("offered-empty").hidden = state.offered.length > 0;
  tick();
}
function unitsOn(a) {
  return state.units.filter(function (u) { return u.dispatch && u.dispatch.assignment === a.id; });
}
function renderAccepted() {
  var ol = document.getElementById("accepted");
  ol.textContent = "";
  state.accepted.forEach(function (a) {
    var units = unitsOn(a);
    var kids = [
      el("div", { class: "row1" }, [prio(a.incident_priority), el("strong", { class: "ref", text: a.incident_reference }),
        catLabel(a), el("span", { class: "status st-" + a.incident_status, text: cfg.incidentLabels[a.incident_status] || a.incident_status })]),
      el("div", { class: "addr", text: a.incident_address || "—" }),
      a.queued ? el("div", { class: "note queued", text: t("Menunggu server — diterima di komputer ini") }) : null,
      el("ul", { class: "on-units" }, units.map(function (u) {
        return el("li", { class: "st-" + u.status, text: u.call_sign + " · " + cfg.units.labels[u.status] });
      })),
    ];
    if (cfg.canAct) {
      kids.push(el("div", { class: "actions" }, [
        detailButton(a),
        el("button", { type: "button", class: "primary", "data-action": "dispatch", text: t("Tugaskan unit"), onclick: function () { openDialog("dispatch-dialog", a); loadRecommendations(); } }),
        handoffButton(a),
        el("button", { type: "button", class: "secondary", "data-action": "complete", text: t("Selesai"), onclick: function () { openDialog("complete-dialog", a); } }),
        el("button", { type: "button", class: "secondary", "data-action": "volunteers", title: "Alt+V", text: t("Relawan"), onclick: function () { volunteerIncident = a.incident; volunteers.tick(); document.getElementById("callouts-panel").scrollIntoView({ block: "nearest" }); } }),
      ]));
    } else {
      kids.push(el("div", { class: "actions" }, [detailButton(a)]));
    }
    var li = el("li", { class: "incident", "data-assignment": a.id, "data-incident": a.incident, "aria-label": a.incident_reference + " · " + a.incident_category_name }, kids);
    detailKeys(li, function () { openDetail(a, li); });
    ol.appendChild(li);
  });
  document.getElementById("accepted-count").textContent = state.accepted.length;
  document.getElementById("accepted-empty").hidden = state.accepted.length > 0;
}
/* "Tidak beroperasi" takes a unit off the board (and off its incident): asked first, then undoable from the toast
 * by putting the unit back in service. The button is out of the Tab order: only a deliberate click reaches it. */
function confirmOutOfService(u) {
  var d = document.getElementById("oos-dialog");
  d.dataset.unit = u.id;
  document.getElementById("oos-text").textContent = u.dispatch
    ? fmt(t("%(unit)s sedang bertugas di %(ref)s. Jika dinyatakan tidak beroperasi, unit dilepas dari kejadian itu dan tidak direkomendasikan sampai dikembalikan siaga."), { unit: u.call_sign, ref: u.dispatch.reference })
    : fmt(t("%(unit)s tidak akan direkomendasikan untuk kejadian sampai dikembalikan siaga."), { unit: u.call_sign });
  d.querySelector(".ref").textContent = u.call_sign;
  if (d.showModal) d.showModal(); else d.setAttribute("open", "");
  document.getElementById("oos-confirm").focus();
}
document.getElementById("oos-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var d = document.getElementById("oos-dialog");
  var unitId = Number(d.dataset.unit);
  var u = state.units.filter(function (x) { return x.id === unitId; })[0];
  closeDialog(d);
  if (!u) return;
  act("POST", url(cfg.api.unitStatus, unitId), { status: "out_of_service" }).then(function (res) {
    if (!res.ok) return;
    flash(fmt(t("%(unit)s dinyatakan tidak beroperasi."), { unit: u.call_sign }), "ok", {
      label: t("Batalkan (kembali siaga)"),
      run: function () { act("POST", url(cfg.api.unitStatus, unitId), { status: "available" }, fmt(t("%(unit)s kembali siaga."), { unit: u.call_sign })); },
    });
  });
});

function renderUnits() {
  var board = document.getElementById("unit-board");
  board.textContent = "";
  // The agency's columns, plus any status a unit really has (never hide a unit because its column is not usual here).
  var columns = cfg.units.order.concat(state.units.map(function (u) { return u.status; })
    .filter(function (st, i, all) { return cfg.units.order.indexOf(st) < 0 && all.indexOf(st) === i; }));
  columns.forEach(function (status) {
    var units = state.units.filter(function (u) { return u.status === status; });
    var col = el("div", { class: "unit-col st-" + status, "data-status": status }, [
      el("h3", { text: cfg.units.labels[status] + " (" + units.length + ")" }),
    ]);
    units.forEach(function (u) {
      var buttons = (cfg.canAct ? cfg.units.next[u.status] || [] : []).map(function (to) {
        if (to === "available" && !u.dispatch && u.status !== "out_of_service") return null;
        var label = to === "available" && u.dispatch ? t("Lepas (siaga)") : cfg.units.labels[to];
        if (to === "out_of_service") {
          return el("button", { type: "button", class: "unit-step to-" + to, "data-to": to, text: label + "…", tabindex: "-1",
            onclick: function () { confirmOutOfService(u); } });
        }
        return el("button", { type: "button", class: "unit-step to-" + to, "data-to": to, text: label, onclick: function (e) {
          e.target.disabled = true;
          act("POST", url(cfg.api.unitStatus, u.id), { status: to });
        } });
      });
      col.appendChild(el("div", { class: "unit-card", "data-unit": u.id, "data-status": u.status }, [
        el("div", { class: "row1" }, [el("strong", { text: u.call_sign }), el("span", { class: "type", text: u.type_display })]),
        u.dispatch ? el("div", { class: "on", text: "→ " + u.dispatch.reference }) : null,
        el("div", { class: "age", "data-position-at": u.position_at || "", text: ageText(u.position_at) }),
        el("div", { class: "steps" }, buttons),
      ]));
    });
    board.appendChild(col);
  });
}

/* ── map (the basemap comes from this server; markers on a canvas over it) ── */
var map = null, unitLayer = null, incidentLayer = null, basemap = null, fitted = false;
function initMap() {
  if (!window.L) return;
  map = L.map("dp-map", { center: cfg.mapCenter, zoom: 13, zoomControl: true, attributionControl: false });
  unitLayer = L.layerGroup().addTo(map);
  incidentLayer = L.layerGroup().addTo(map);
  // the platform's own basemap (static/js/lib/basemap.js); the "peta jalan" switch shows or hides it
  var toggle = document.getElementById("tiles-toggle");
  if (window.Basemap) basemap = window.Basemap.attach(map, Object.assign({}, cfg.tiles, { visible: toggle.checked }));
  toggle.addEventListener("change", function (e) { if (basemap) basemap.setVisible(e.target.checked); });
}
function renderMap() {
  if (!map) return;
  unitLayer.clearLayers();
  incidentLayer.clearLayers();
  var pts = [];
  state.offered.concat(state.accepted).forEach(function (a) {
    if (!a.incident_location) return;
    var ll = [a.incident_location.coordinates[1], a.incident_location.coordinates[0]];
    pts.push(ll);
    L.circleMarker(ll, { radius: 9, color: "#c8102e", fillOpacity: 0.8, className: "mk-incident" })
      // Leaflet reads a string tooltip as HTML: every value is escaped (the address is the caller's words)
      .bindTooltip([a.incident_reference, a.incident_category_name, a.incident_address].filter(Boolean).map(escapeHtml).join(" · ")).addTo(incidentLayer);
  });
  state.units.forEach(function (u) {
    if (!u.position) return;
    var ll = [u.position[1], u.position[0]];
    pts.push(ll);
    var stale = !u.position_at || now() - Date.parse(u.position_at) > STALE_MS;
    var color = stale ? "#8c959f" : (u.status === "available" ? "#1a7f37" : "#0969da");
    L.circleMarker(ll, { radius: 7, color: color, fillOpacity: 0.9, className: "mk-unit" })
      .bindTooltip([u.call_sign, cfg.units.labels[u.status], ageText(u.position_at)].map(escapeHtml).join(" · ")).addTo(unitLayer);
  });
  if (!fitted && pts.length) { map.fitBounds(L.latLngBounds(pts).pad(0.2), { maxZoom: 15 }); fitted = true; }
}

function render() { renderOffered(); renderAccepted(); renderUnits(); renderMap(); }

function tick() {
  document.querySelectorAll(".countdown[data-deadline]").forEach(function (n) {
    var ms = Date.parse(n.dataset.deadline) - now();
    n.textContent = countdownText(ms);
    n.classList.toggle("urgent", ms > 0 && ms < 30000);
    n.classList.toggle("overdue", ms <= 0);
  });
  document.querySelectorAll(".unit-card .age[data-position-at]").forEach(function (n) { n.textContent = ageText(n.dataset.positionAt); });
  volunteers.tick();
  done.tick();  // at the centre's midnight "Selesai hari ini" starts a new day
}
setInterval(tick, 500);

/* ── live ── */
function onEvent(ev) {
  var k = ev.kind || "";
  volunteers.onEvent(ev);
  detailCallerEvent(ev);
  if (k === "unit.position") {
    var p = ev.payload || {};
    state.units.forEach(function (u) { if (u.id === p.unit) { u.position = p.position; u.position_at = p.position_at; } });
    renderUnits(); renderMap();
    return;
  }
  var incidentId = ev.incident;  // the event's incident id (its summary is payload.incident)
  if (k.indexOf("assignment.") === 0 || k.indexOf("incident.") === 0 || k === "unit.status_changed") {
    scheduleReload();
    if (incidentId) refreshDetail(incidentId);
  }
  done.onEvent(ev);
}
function onState(s) {
  // live.js shows the state in #live-state; after a reconnect we reload the lists to be sure.
  if (s === "live") { scheduleReload(); done.onLive(); }
}
initMap();
setupDetail(cfg, { timeZone: root.dataset.timeZone, tilesEnabled: function () { return document.getElementById("tiles-toggle").checked; } });
done.load();
loadAll().then(function () {
  startLiveEvents({ url: "/ws/events/", lastSeq: Number(root.dataset.lastSeq) || 0, onEvent: onEvent, onState: onState });
});
window.DispatcherConsole = { reload: loadAll, state: state };
