/* The incident detail panel of the dispatcher console: what the agency needs to decide and to brief its crews —
 * description, the answers to the category's questions, the priority and why, the caller (the API shows the
 * number only to an agency whose assignment is still responsible), the place on a small map, the nearest units
 * and the timeline. Opened from an offer or a handled incident (button, Enter or D on the card). */
import { apiResult as api, url } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t, fmt, num, coords } from "../lib/i18n.js";
import { priorityBadge } from "../lib/priority.js";
import { clockFormatter } from "../lib/time.js";
import { kindLabel } from "../lib/timeline.js";

let cfg = null, clock = null, tilesOn = () => false, current = null, map = null;

export function setupDetail(config, { timeZone, tilesEnabled }) {
  cfg = config;
  clock = clockFormatter(timeZone);
  tilesOn = tilesEnabled || tilesOn;
  const dialog = document.getElementById("detail-dialog");
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
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
  nearbyUnits(incidentId);
}

function answerText(value) {
  if (value === true) return t("Ya");
  if (value === false) return t("Tidak");
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
        section(t("Uraian"), el("p", { class: "description", text: inc.description || "—" })),
        section(t("Jawaban daftar pertanyaan"), answers),
        section(t("Penelepon"),
          el("p", { class: "caller" },
            inc.caller_number ? el("a", { href: "tel:" + inc.caller_number, class: "caller-number", text: inc.caller_number }) : el("span", { class: "empty", text: t("nomor tidak tersedia") }),
            inc.caller_name ? " · " + inc.caller_name : "",
            el("br"), el("span", { class: "caller-count", text: callers }))),
        section(t("Unit terdekat"), el("ol", { id: "detail-units", class: "detail-units" }, el("li", { class: "empty", text: t("Memuat…") })))),
      el("div", {},
        section(t("Lokasi"),
          el("p", { class: "addr", text: inc.address || "—" }),
          el("div", { id: "detail-map", class: "detail-map", role: "img", "aria-label": t("Peta lokasi kejadian") }),
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
  if (p.reason) bits.push(p.reason);
  if (p.note) bits.push(p.note);
  return el("li", {}, el("time", { datetime: e.at, text: clock(e.at) }), " ", el("strong", { text: kindLabel(e.kind) }),
    bits.length ? " — " + bits.join(" · ") : "");
}

function drawMap(lat, lon) {
  if (!window.L) return;
  if (map) { map.remove(); map = null; }
  map = L.map("detail-map", { center: [lat, lon], zoom: 16, zoomControl: false, attributionControl: false });
  if (tilesOn() && cfg.tiles) L.tileLayer(cfg.tiles, { maxZoom: 19 }).addTo(map);
  L.circleMarker([lat, lon], { radius: 9, color: "#c8102e", fillOpacity: 0.8 }).addTo(map);
}

async function nearbyUnits(incidentId) {
  const res = await api("GET", url(cfg.api.recommend, incidentId) + "?any=1&limit=5");
  const list = document.getElementById("detail-units");
  if (!list || !current || current.incident !== incidentId) return;
  list.textContent = "";
  if (!res.ok) { list.append(el("li", { class: "empty", text: res.error.message })); return; }
  if (!res.data.units.length) { list.append(el("li", { class: "empty", text: t("Tidak ada unit siaga.") })); return; }
  res.data.units.forEach((u) => list.append(el("li", {},
    el("strong", { text: u.call_sign }), " · " + u.type_display + " · ",
    fmt(t("%(d)s km, ±%(m)s mnt"), { d: num(u.distance_m / 1000, { minimumFractionDigits: 1, maximumFractionDigits: 1 }), m: num(u.eta_min, { maximumFractionDigits: 0 }) }))));
}
