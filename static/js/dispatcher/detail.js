/* The incident detail panel of the dispatcher console: what the agency needs to decide and to brief its crews —
 * description, the answers to the category's questions, the priority and why, the caller (the API shows the
 * number only to an agency whose assignment is still responsible), the place on a small map with the route by
 * road of the agency's units on the way (or of the first to arrive, proposed) and their ETA, the units that
 * would arrive first, and the timeline. Opened from an offer or a handled incident (button, Enter or D on the card). */
import { apiResult as api, url } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t, fmt, num, coords } from "../lib/i18n.js";
import { priorityBadge } from "../lib/priority.js";
import { clockFormatter } from "../lib/time.js";
import { kindLabel } from "../lib/timeline.js";
import { closeDetailCaller, detailCallerSection, setupDetailCaller } from "./caller.js";

let cfg = null, clock = null, tilesOn = () => false, current = null, map = null, routeLayer = null;
const ONE_DECIMAL = { minimumFractionDigits: 1, maximumFractionDigits: 1 };

export function setupDetail(config, { timeZone, tilesEnabled }) {
  cfg = config;
  clock = clockFormatter(timeZone);
  tilesOn = tilesEnabled || tilesOn;
  const dialog = document.getElementById("detail-dialog");
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  setupDetailCaller(timeZone);
  dialog.addEventListener("close", () => {
    closeDetailCaller();
    const back = current && current.returnFocus;
    current = null;
    if (back && back.isConnected) back.focus();
  });
}

/* The card's keys: Enter or D opens the panel (only on the card itself, not inside its buttons). */
export function detailKeys(card, open) {
  card.tabIndex = 0;
  card.addEventListener("keydown", (e) => {
    if (e.target !== card || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Enter" || e.key === "d" || e.key === "D") { e.preventDefault(); open(); }
  });
}

export function openDetail(a, returnFocus) {
  const dialog = document.getElementById("detail-dialog");
  current = { incident: a.incident, assignment: a.id, returnFocus: returnFocus || document.activeElement };
  document.getElementById("detail-title").textContent = a.incident_reference + " · " + (a.incident_category_name || "");
  const body = document.getElementById("detail-body");
  body.textContent = t("Memuat…");
  if (!dialog.open) dialog.showModal();
  load(a.incident);
}

/* A live event about the incident on screen: read it again. */
export function refreshDetail(incidentId) {
  if (current && current.incident === incidentId) load(incidentId);
}

async function load(incidentId) {
  const res = await api("GET", url(cfg.api.incident, incidentId));
  if (!current || current.incident !== incidentId) return;
  const body = document.getElementById("detail-body");
  if (!res.ok) {
    body.textContent = res.status === 404 ? t("Kejadian ini tidak lagi ditangani instansi Anda.") : res.error.message;
    return;
  }
  render(body, res.data);
  nearbyUnits(res.data);
}

function answerText(value) {
  if (value === true) return t("Ya");
  if (value === false) return t("Tidak");
  if (value === "unsure") return t("Tidak yakin");
  if (value === null || value === undefined || value === "") return "—";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/* Why the incident has its priority: the answers that raised it (the script's priority_if), else the category's
 * default, else the call-taker's own choice. */
export function priorityReasons(inc, category) {
  const reasons = [];
  (category ? category.questions : []).forEach((q) => {
    const rule = q.priority_if;
    if (!rule || !inc.answers || !(q.key in inc.answers)) return;
    if (inc.answers[q.key] === rule.answer && rule.priority >= inc.priority) {
      reasons.push(fmt(t("%(q)s %(a)s (→ P%(p)s)"), { q: q.text, a: answerText(inc.answers[q.key]), p: rule.priority }));
    }
  });
  if (reasons.length) return reasons;
  if (category && category.default_priority === inc.priority) return [t("Prioritas bawaan kategori ini.")];
  return [t("Ditetapkan oleh operator 112.")];
}

/* A suspected cardiac arrest (issue 30), read-only: when it was recognised and how the CPR went, the nearest AEDs. */
const CPR_STEP_LABELS = [
  ["recognised_at", t("Dikenali")], ["instructions_started_at", t("Instruksi RJP dimulai")],
  ["first_compression_at", t("Kompresi pertama")], ["aed_on_scene_at", t("AED tiba")],
  ["ems_on_scene_at", t("Ambulans tiba")], ["stopped_at", t("RJP dihentikan")],
];
const CPR_STEP_NAME = Object.fromEntries(CPR_STEP_LABELS.map(([k, label]) => [k.replace(/_at$/, ""), label]));
function cardiacSection(ca) {
  if (!ca || !ca.suspected) return null;
  const steps = CPR_STEP_LABELS.filter(([k]) => ca[k]).map(([k, label]) => [el("dt", { text: label }), el("dd", {}, el("time", { datetime: ca[k], text: clock(ca[k]) }))]);
  const aeds = (ca.nearest_aeds || []).map((a) => el("li", {}, el("b", { text: a.name }),
    a.distance_m != null ? " · " + fmt(t("%(m)s m"), { m: num(Math.round(a.distance_m)) }) : "", a.address ? " · " + a.address : ""));
  return el("section", { class: "detail-sec cardiac" }, el("h4", { text: t("Dugaan henti jantung") }),
    el("dl", { class: "answers" }, steps),
    aeds.length ? [el("p", { class: "hint", text: t("AED terdekat") }), el("ol", {}, aeds)] : null);
}

function section(title, ...children) {
  return el("section", { class: "detail-sec" }, el("h4", { text: title }), children);
}

function render(body, inc) {
  const category = cfg.categories[inc.category];
  const questions = category ? category.questions : [];
  const answered = Object.keys(inc.answers || {});
  const known = questions.filter((q) => answered.includes(q.key));
  const unknown = answered.filter((k) => !questions.some((q) => q.key === k));
  const answers = known.length || unknown.length
    ? el("dl", { class: "answers" },
      known.map((q) => [el("dt", { text: q.text }), el("dd", { text: answerText(inc.answers[q.key]) })]),
      unknown.map((k) => [el("dt", { text: k }), el("dd", { text: answerText(inc.answers[k]) })]))
    : el("p", { class: "empty", text: t("Belum ada jawaban.") });
  const lon = inc.location.coordinates[0], lat = inc.location.coordinates[1];
  const callers = inc.caller_count > 1
    ? fmt(t("%(n)s penelepon melaporkan kejadian ini"), { n: num(inc.caller_count) })
    : t("1 penelepon");
  body.textContent = "";
  body.append(
    el("div", { class: "detail-grid" },
      el("div", {},
        el("p", { class: "detail-prio" },
          priorityBadge(inc.priority, cfg.priorities, { full: true }), " · ",
          el("span", { class: "status", text: cfg.incidentLabels[inc.status] || inc.status })),
        el("ul", { class: "why", "aria-label": t("Alasan prioritas") }, priorityReasons(inc, category).map((r) => el("li", { text: r }))),
        cardiacSection(inc.cardiac_arrest),
        section(t("Uraian"), el("p", { class: "description", text: inc.description || "—" })),
        section(t("Jawaban daftar pertanyaan"), answers),
        section(t("Penelepon"),
          el("p", { class: "caller" },
            inc.caller_number ? el("a", { href: "tel:" + inc.caller_number, class: "caller-number", text: inc.caller_number }) : el("span", { class: "empty", text: t("nomor tidak tersedia") }),
            inc.caller_name ? " · " + inc.caller_name : "",
            el("br"), el("span", { class: "caller-count", text: callers }))),
        section(t("Unit siaga, urut waktu tiba"), el("ol", { id: "detail-units", class: "detail-units" }, el("li", { class: "empty", text: t("Memuat…") }))),
        detailCallerSection(inc.id)),
      el("div", {},
        section(t("Lokasi"),
          el("p", { class: "addr", text: inc.address || "—" }),
          el("div", { id: "detail-map", class: "detail-map", role: "img", "aria-label": t("Peta lokasi kejadian dan rute unit") }),
          el("ul", { id: "detail-routes", class: "detail-routes", "aria-live": "polite" }),
          el("p", { class: "coords" },
            coords(lat, lon) + " · ",
            el("a", { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`, target: "_blank", rel: "noopener", text: t("buka di OpenStreetMap") }))),
        section(t("Linimasa"), el("ol", { class: "timeline" }, inc.events.slice().reverse().map(eventRow))))),
  );
  drawMap(lat, lon);
}

function eventRow(e) {
  const p = e.payload || {};
  const bits = [];
  if (p.assignment && p.assignment.agency_name) bits.push(p.assignment.agency_name);
  if (p.call_sign) bits.push(p.call_sign + (p.new && cfg.units.labels[p.new] ? " → " + cfg.units.labels[p.new] : ""));
  else if (e.kind === "incident.status_changed" && p.new) bits.push(cfg.incidentLabels[p.new] || p.new);
  if (e.kind === "cardiac_arrest.step" && CPR_STEP_NAME[p.step]) bits.push(CPR_STEP_NAME[p.step]);
  if (p.eta_s) bits.push(fmt(p.eta_basis === "road" ? t("perkiraan tiba ±%(m)s mnt") : t("perkiraan kasar ±%(m)s mnt"), { m: minutes(p.eta_s) }));
  if (p.reason) bits.push(p.reason);
  if (p.note) bits.push(p.note);
  return el("li", {}, el("time", { datetime: e.at, text: clock(e.at) }), " ", el("strong", { text: kindLabel(e.kind) }),
    bits.length ? " — " + bits.join(" · ") : "");
}

function drawMap(lat, lon) {
  if (!window.L) return;
  if (map) { map.remove(); map = null; }
  map = L.map("detail-map", { center: [lat, lon], zoom: 16, zoomControl: false, attributionControl: false });
  if (window.Basemap) window.Basemap.attach(map, { ...cfg.tiles, visible: tilesOn() });
  L.circleMarker([lat, lon], { radius: 9, color: "#c8102e", fillOpacity: 0.8 }).addTo(map);
  routeLayer = L.layerGroup().addTo(map);
}

const km = (m) => num(m / 1000, ONE_DECIMAL);
const minutes = (s) => num(Math.max(1, Math.round(s / 60)), { maximumFractionDigits: 0 });

/* How a recommended unit would arrive: by road (drive time from the routing engine) or, when the engine could not
 * answer, the straight-line estimate — said in words, never a bare number that looks like a road ETA. */
export function arrivalText(u) {
  if (u.basis === "road") {
    const text = fmt(t("±%(m)s mnt · %(r)s km lewat jalan (%(d)s km garis lurus)"), { m: minutes(u.eta_s), r: km(u.road_m), d: km(u.distance_m) });
    return u.snapped && u.incident_snap_m > 0 ? text + " · " + fmt(t("lokasi %(s)s m dari jalan"), { s: num(Math.round(u.incident_snap_m)) }) : text;
  }
  return fmt(t("±%(m)s mnt · %(d)s km garis lurus (perkiraan kasar)"), { m: minutes(u.eta_s || u.eta_min * 60), d: km(u.distance_m) });
}

async function nearbyUnits(inc) {
  const incidentId = inc.id;
  const res = await api("GET", url(cfg.api.recommend, incidentId) + "?any=1&limit=5");
  const list = document.getElementById("detail-units");
  if (!list || !current || current.incident !== incidentId) return;
  list.textContent = "";
  if (!res.ok) { list.append(el("li", { class: "empty", text: res.error.message })); drawRoutes(inc, []); return; }
  if (!res.data.units.length) { list.append(el("li", { class: "empty", text: t("Tidak ada unit siaga.") })); drawRoutes(inc, []); return; }
  if (res.data.basis === "straight_line") {
    list.append(el("li", { class: "basis-note", text: t("Mesin rute tidak menjawab: urutan menurut garis lurus, bukan waktu tiba.") }));
  }
  res.data.units.forEach((u, i) => list.append(el("li", { class: u.basis === "road" ? "by-road" : "by-straight-line" },
    el("strong", { text: u.call_sign }), " · " + u.type_display + " · ", arrivalText(u),
    i === 0 && u.basis === "road" ? el("span", { class: "first-arrival", text: " " + t("tiba paling dulu") }) : "")));
  drawRoutes(inc, res.data.units);
}

/* The routes on the map: the agency's own units on the way to this incident; else the first to arrive (proposed)
 * and, when it is not the same unit, the one nearest as the crow flies — so the detour that makes it later shows. */
async function drawRoutes(inc, recommended) {
  const incidentId = inc.id;
  const units = await api("GET", cfg.api.units);
  if (!current || current.incident !== incidentId) return;
  const onTheWay = units.ok ? units.data.filter((u) => u.dispatch && u.dispatch.incident === incidentId && u.position
    && (u.status === "dispatched" || u.status === "en_route")).slice(0, 3) : [];
  let targets = onTheWay.map((u) => ({ call_sign: u.call_sign, type: u.type, position: u.position, kind: "on_the_way" }));
  if (!targets.length && recommended.length && recommended[0].position) {
    const first = recommended[0];
    targets = [{ call_sign: first.call_sign, type: first.type, position: first.position, kind: "first" }];
    const crow = recommended.reduce((a, b) => (b.distance_m < a.distance_m ? b : a));
    if (first.basis === "road" && crow.id !== first.id && crow.position && crow.distance_m < first.distance_m) {
      targets.push({ call_sign: crow.call_sign, type: crow.type, position: crow.position, kind: "crow" });
    }
  }
  const legend = document.getElementById("detail-routes");
  if (!legend) return;
  legend.textContent = "";
  if (routeLayer) routeLayer.clearLayers();
  if (!cfg.routing) return;  // no routing engine configured here: nothing to ask
  const to = inc.location.coordinates;
  const bounds = [[to[1], to[0]]];
  for (const unit of targets) {
    const res = await api("GET", `${cfg.api.route}?from=${unit.position[0]},${unit.position[1]}&to=${to[0]},${to[1]}&unit_type=${encodeURIComponent(unit.type)}`);
    if (!current || current.incident !== incidentId) return;
    if (!res.ok) {
      legend.append(el("li", { class: "empty", text: unit.call_sign + ": " + (res.status === 503 ? t("rute jalan tidak tersedia saat ini") : res.error.message) }));
      continue;
    }
    const r = res.data;
    const labels = {
      on_the_way: t("%(unit)s menuju lokasi: ±%(m)s mnt, %(r)s km lewat jalan"),
      first: t("%(unit)s (usulan, tiba paling dulu): ±%(m)s mnt, %(r)s km lewat jalan"),
      crow: t("%(unit)s (terdekat garis lurus): ±%(m)s mnt, %(r)s km lewat jalan"),
    };
    legend.append(el("li", { class: "route " + unit.kind }, fmt(labels[unit.kind], { unit: unit.call_sign, m: minutes(r.eta_s || r.duration_s), r: km(r.distance_m) })));
    if (window.L && routeLayer) {
      const line = r.geometry.coordinates.map((c) => [c[1], c[0]]);
      const style = { on_the_way: { color: "#1f6feb" }, first: { color: "#1f6feb", dashArray: "8 6" }, crow: { color: "#8c959f", dashArray: "2 6", weight: 4 } }[unit.kind];
      L.polyline(line, { weight: 5, opacity: 0.85, ...style }).addTo(routeLayer);
      L.circleMarker([unit.position[1], unit.position[0]], { radius: 7, color: style.color, fillColor: "#fff", fillOpacity: 1, weight: 3 })
        .bindTooltip(fmt(t("%(unit)s · ±%(m)s mnt"), { unit: unit.call_sign, m: minutes(r.eta_s || r.duration_s) }), { permanent: true, direction: "top", offset: [0, -6] })
        .addTo(routeLayer);
      bounds.push(...line);
    }
  }
  if (window.L && map && bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
}
