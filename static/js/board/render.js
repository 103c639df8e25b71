/* Drawing the board's panels from the state (state.js). Lists that can hold hundreds of rows are built as one
 * HTML string with every value escaped (one innerHTML, one layout); times are shown in each row's own centre zone. */
import { byId, escapeHtml as esc } from "../lib/dom.js";
import { t, fmt, num } from "../lib/i18n.js";
import { priorityBadgeHtml } from "../lib/priority.js";
import { clockFormatter, mmss, zoneAbbr } from "../lib/time.js";
import { intervalsOf, INTERVALS } from "./state.js";

const FUNNEL = [
  ["received", t("Masuk")], ["genuine", t("Darurat")], ["info", t("Informasi")], ["ghost", t("Kosong")],
  ["prank", t("Iseng")], ["duplicate", t("Duplikat")], ["misdial", t("Salah sambung")],
];
const INTERVAL_LABELS = {
  answer_to_created: t("Dijawab → tiket dibuat"),
  created_to_routed: t("Tiket → diteruskan"),
  routed_to_accepted: t("Diteruskan → diterima"),
  accepted_to_on_scene: t("Diterima → tiba di lokasi"),
};

/* Redraw a list by keys: a row whose HTML did not change keeps its node, so a burst of events touches a few rows,
 * not a few hundred (style and layout of whole lists were most of the page's time under load: bench/board.py). */
const lists = new WeakMap();
function patchList(container, rows) {
  let known = lists.get(container);
  if (!known) { known = new Map(); lists.set(container, known); container.textContent = ""; }
  const next = new Map();
  const tpl = document.createElement("template");
  rows.forEach(([key, html], i) => {
    let entry = known.get(key);
    if (!entry || entry.html !== html) {
      tpl.innerHTML = html;
      const node = tpl.content.firstElementChild;
      if (entry) entry.node.replaceWith(node);
      entry = { node, html };
    }
    next.set(key, entry);
    const at = container.children[i];
    if (at !== entry.node) container.insertBefore(entry.node, at || null);
  });
  for (const [key, entry] of known) if (!next.has(key)) entry.node.remove();
  lists.set(container, next);
}

/* Replace a block's HTML only when it changed. */
const lastHtml = new WeakMap();
function setHtml(node, html) {
  if (lastHtml.get(node) === html) return;
  lastHtml.set(node, html);
  node.innerHTML = html;
}

let labels = {};
let provincial = false;
export function setup(cfg, state) {
  labels = cfg.labels;
  provincial = state.centres.size > 1;
}

export const zoneOf = (state, centreId) => (state.centres.get(centreId) || {}).timezone || "";
export const clock = (state, centreId, iso) => (iso ? clockFormatter(zoneOf(state, centreId))(iso) : "–");
export const label = (group, code) => (labels[group] && labels[group][code]) || t("tidak diketahui");

function centreTag(state, centreId) {
  if (!provincial) return "";
  const c = state.centres.get(centreId);
  return c ? `<span class="ctag">${esc(c.code.toUpperCase())}</span>` : "";
}

function seconds(v) {
  if (v === null || v === undefined) return "–";
  return mmss(v * 1000);
}

function countBy(rows, keep) {
  const n = new Map();
  for (const r of rows) if (!keep || keep(r)) n.set(r.command_centre, (n.get(r.command_centre) || 0) + 1);
  return n;
}

export function drawCentres(state) {
  const html = [];
  // one pass per collection, not one per centre: this runs after every burst of events
  const opens = countBy(state.incidents.values()), offerCounts = countBy(state.offers.values());
  // incidents with an open alert: the lines of the alerts panel
  const alertCounts = countBy(new Map([...state.alerts.values()].filter((a) => !a.acknowledged).map((a) => [a.incident, a])).values());
  const onCalls = countBy(state.callTakers.values(), (u) => u.on_call_since);
  for (const c of state.centres.values()) {
    const open = opens.get(c.id) || 0, offers = offerCounts.get(c.id) || 0;
    const alerts = alertCounts.get(c.id) || 0, onCall = onCalls.get(c.id) || 0;
    const f = c.funnel_today;
    const iv = intervalsOf(state, c.id);
    const takers = [...state.callTakers.values()].filter((u) => u.command_centre === c.id)
      .sort((a, b) => (b.on_call_since ? 1 : 0) - (a.on_call_since ? 1 : 0) || (a.name || "").localeCompare(b.name || ""));
    html.push(`<article class="centre-block" data-centre="${c.id}">
      <header><h2>${esc(c.name)}</h2>
        <span class="clock" data-zone="${esc(c.timezone)}" aria-label="${esc(t("Waktu setempat"))}"></span>
        <span class="zone">${esc(zoneAbbr(c.timezone))}</span></header>
      <p class="summary" data-centre-summary="${c.id}">${esc(fmt(t("%(open)s kejadian terbuka · %(offers)s menunggu konfirmasi · %(alerts)s kejadian berperingatan · %(calls)s panggilan hari ini · %(oncall)s sedang menelepon"),
        { open: num(open), offers: num(offers), alerts: num(alerts), calls: num(f.received), oncall: num(onCall) }))}</p>
      <div class="stats">
        <div class="funnel"><h3>${esc(t("Panggilan hari ini"))}</h3><dl>${FUNNEL.map(([k, name]) =>
          `<div class="f-${k}"><dt>${esc(name)}</dt><dd data-funnel="${k}">${f[k]}</dd></div>`).join("")}</dl></div>
        <div class="intervals"><h3>${esc(t("Interval hari ini"))}</h3><table class="b-table"><thead><tr><th></th><th>p50</th><th>p90</th><th>n</th></tr></thead><tbody>${
          INTERVALS.map(([k]) => `<tr data-interval="${k}"><th>${esc(INTERVAL_LABELS[k])}</th><td>${seconds(iv[k].p50)}</td><td>${seconds(iv[k].p90)}</td><td>${iv[k].n}</td></tr>`).join("")
        }</tbody></table></div>
        <div class="takers"><h3>${esc(t("Operator"))}</h3><table class="b-table"><thead><tr><th>${esc(t("Nama"))}</th><th>${esc(t("Di telepon"))}</th><th>${esc(t("Panggilan"))}</th><th>${esc(t("Rata-rata"))}</th></tr></thead><tbody>${
          takers.map((u) => `<tr data-user="${u.user}" class="${u.on_call_since ? "on-call" : ""}"><td class="name">${esc(u.name || fmt(t("Petugas %(id)s"), { id: u.user }))}</td>
            <td>${u.on_call_since ? `<span class="since" data-since="${esc(u.on_call_since)}"></span>` : "–"}</td>
            <td>${u.calls_today}</td><td>${seconds(u.avg_handling_s)}</td></tr>`).join("") ||
            `<tr><td colspan="4" class="empty">${esc(t("Belum ada operator."))}</td></tr>`
        }</tbody></table></div>
      </div></article>`);
  }
  setHtml(byId("centres"), html.join(""));
}

// A wall screen shows the most urgent offers; the count says how many wait (a surge can hold hundreds).
const MAX_OFFERS_SHOWN = 60;
const MAX_INCIDENTS_SHOWN = 200;

export function drawOffers(state) {
  const rows = [...state.offers.values()].sort((a, b) => Date.parse(a.ack_deadline || 0) - Date.parse(b.ack_deadline || 0));
  const more = rows.length - MAX_OFFERS_SHOWN;
  patchList(byId("offers"), rows.slice(0, MAX_OFFERS_SHOWN).map((o) => [o.assignment, `<li class="offer" data-assignment="${o.assignment}" data-incident="${o.incident}">
      <div class="row1">${centreTag(state, o.command_centre)}<button type="button" class="link" data-open="${o.incident}">${esc(o.reference || "")}</button>
        <span class="agency">${esc(o.agency_name)}</span>${o.escalation_stage ? `<span class="stage">${esc(fmt(t("eskalasi %(n)s"), { n: o.escalation_stage }))}</span>` : ""}</div>
      <div class="row2"><span class="countdown" data-deadline="${esc(o.ack_deadline || "")}"></span>
        <span class="muted">${esc(t("batas"))} ${esc(clock(state, o.command_centre, o.ack_deadline))}</span></div></li>`])
    .concat(more > 0 ? [["more", `<li class="muted">${esc(fmt(t("… dan %(n)s penugasan lain menunggu"), { n: more }))}</li>`]] : []));
  byId("offer-count").textContent = rows.length;
  byId("offers-empty").hidden = rows.length > 0;
}

export function drawCallouts(state) {
  const rows = [...state.callouts.values()].sort((a, b) => Date.parse(a.ack_deadline || a.sent_at) - Date.parse(b.ack_deadline || b.sent_at));
  patchList(byId("callouts"), rows.map((c) => [c.id, `<li class="callout${c.expired ? " expired" : ""}" data-callout="${esc(c.id)}">
      <div class="row1"><button type="button" class="link" data-open="${esc(c.incident)}">${esc(c.reference || "")}</button>
        <span class="agency">${esc(c.community || t("relawan terdekat"))}</span></div>
      <div class="row2">${c.ack_deadline ? `<span class="countdown small" data-deadline="${esc(c.ack_deadline)}"></span>` : ""}
        <span class="muted">${esc(fmt(t("%(accepted)s dari %(needed)s bersedia · %(declined)s menolak · %(pending)s belum menjawab"),
          { accepted: c.accepted, needed: c.needed, declined: c.declined, pending: c.pending }))}</span></div></li>`]));
  byId("callout-count").textContent = rows.length;
  byId("callouts-empty").hidden = rows.length > 0;
}

/* The alerts as one line per incident (like GET /api/v1/alerts/?group=incident): an incident that raised six alerts
 * is one line saying so, not six. Worst first: lines with an open alert, by priority (P1 first), then the longest
 * waiting; then the lines acknowledged within the hour, newest first. */
export function alertGroups(state) {
  const groups = new Map();
  for (const a of state.alerts.values()) {
    // a centre's own alert (no incident: the reports stopped following the timeline) is a line of its own per kind
    const key = a.incident != null ? a.incident : `c${a.command_centre}-${a.kind}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, incident: a.incident, reference: a.reference, command_centre: a.command_centre, priority: a.priority, alerts: [], open: [] };
      groups.set(key, g);
    }
    g.alerts.push(a);
    if (!a.acknowledged) g.open.push(a);
  }
  const byRaised = (a, b) => Date.parse(a.raised_at) - Date.parse(b.raised_at) || a.id - b.id;
  for (const g of groups.values()) {
    g.alerts.sort(byRaised);
    g.open.sort(byRaised);
    const live = state.incidents.get(g.incident);
    if (live && live.priority) g.priority = live.priority;   // the incident's priority now, not when it alerted
    g.since = g.open.length ? Date.parse(g.open[0].raised_at) : null;
    g.ackedAt = g.open.length ? null : Math.max(...g.alerts.map((a) => Date.parse(a.acknowledged_at || 0)));
  }
  return [...groups.values()].sort((a, b) =>
    (b.open.length > 0) - (a.open.length > 0)
    || (a.open.length ? (a.priority || 9) - (b.priority || 9) || a.since - b.since : b.ackedAt - a.ackedAt)
    || (a.incident || 0) - (b.incident || 0));
}

function alertLine(state, g, canAct) {
  const kinds = [...new Set((g.open.length ? g.open : g.alerts).map((a) => a.kind))];
  const latest = (g.open.length ? g.open : g.alerts).at(-1);
  const n = g.open.length || g.alerts.length;
  const head = `<div class="row1">${centreTag(state, g.command_centre)}${g.priority ? `<span class="prio p${g.priority}">P${g.priority}</span>` : ""}
      ${g.incident != null ? `<button type="button" class="link ref" data-open="${g.incident}">${esc(g.reference || "")}</button>` : ""}
      <span class="n" title="${esc(fmt(t("%(n)s peringatan"), { n }))}">${esc(fmt(t("%(n)s peringatan"), { n }))}</span>
      ${g.open.length ? `<span class="waited">${esc(t("menunggu"))} <span class="since" data-since="${esc(g.open[0].raised_at)}"></span></span>` : ""}</div>
    <div class="kinds">${kinds.map((k) => `<strong class="k-${esc(k)}">${esc(label("alert", k))}</strong>`).join(" · ")}</div>
    <div class="msg">${esc(latest.message || "")}</div>`;
  let tail = "";
  if (!g.open.length) {
    const last = g.alerts.reduce((x, y) => (Date.parse(y.acknowledged_at || 0) > Date.parse(x.acknowledged_at || 0) ? y : x));
    tail = `<div class="muted acked-by">${esc(fmt(t("ditangani %(time)s"), { time: clock(state, g.command_centre, last.acknowledged_at) }))}${
      last.acknowledged_by_name ? " " + esc(fmt(t("oleh %(name)s"), { name: last.acknowledged_by_name })) : ""}${last.note ? " · " + esc(last.note) : ""}</div>`;
  } else if (canAct && g.incident == null) {
    tail = `<button type="button" class="primary" data-ack-alerts="${g.open.map((a) => a.id).join(",")}">${esc(t("Tandai sudah ditangani"))}</button>`;
  } else if (canAct) {
    tail = `<button type="button" class="primary" data-ack-incident="${g.incident}">${esc(t("Tandai sudah ditangani"))}</button>`;
  }
  return `<li class="alert-group ${g.open.length ? "open" : "acked"}" data-incident="${g.incident != null ? g.incident : ""}" data-open-count="${g.open.length}" data-count="${g.alerts.length}" data-kinds="${esc(kinds.join(" "))}">${head}${tail}</li>`;
}

// A surge can leave a thousand incidents alerting: the worst lines are drawn, the rest a button away (the count in
// the panel's heading is every line). Each line is a few nodes with wrapped text: 1,250 of them were most of the
// page's first draw (bench/board.py --surge).
export const ALERT_LINES_STEP = 150;
let alertLimit = ALERT_LINES_STEP;
export function showMoreAlerts() { alertLimit += ALERT_LINES_STEP; }

export function drawAlerts(state, canAct) {
  const groups = alertGroups(state);
  const shown = groups.slice(0, alertLimit);
  const more = groups.length - shown.length;
  patchList(byId("alerts"), shown.map((g) => [g.key, alertLine(state, g, canAct)]).concat(more > 0 ? [["more",
    `<li class="more-lines"><span class="muted">${esc(fmt(t("… dan %(n)s kejadian lain dengan peringatan, yang paling mendesak di atas"), { n: num(more) }))}</span>
      <button type="button" class="secondary" data-more-alerts>${esc(fmt(t("Tampilkan %(n)s berikutnya"), { n: num(Math.min(more, ALERT_LINES_STEP)) }))}</button></li>`]] : []));
  const lines = groups.filter((g) => g.open.length).length;
  const alerts = groups.reduce((n, g) => n + g.open.length, 0);
  const count = byId("alert-count");
  count.textContent = num(lines);
  count.title = fmt(t("%(lines)s kejadian, %(alerts)s peringatan terbuka"), { lines: num(lines), alerts: num(alerts) });
  count.classList.toggle("hot", lines > 0);
  byId("alerts-empty").hidden = groups.length > 0;
}

export function drawAgencies(state) {
  const rows = [...state.agencies.values()];
  patchList(byId("agencies"), rows.map((a) => [a.id, `<tr data-agency="${a.id}" class="${a.units_available === 0 && a.units_busy + a.units_out_of_service > 0 ? "all-out" : ""}">
      <th>${centreTag(state, a.command_centre)}${esc(a.name)}</th><td data-k="open_assignments">${a.open_assignments}</td>
      <td data-k="units_available">${a.units_available}</td><td data-k="units_busy">${a.units_busy}</td><td data-k="units_out_of_service">${a.units_out_of_service}</td></tr>`]));
}

// An EIDO transfer that came without an incident type: flagged until the call-takers set its category.
const UNCLASSIFIED_TITLE = t("Belum diklasifikasi: kategori ditetapkan oleh operator di konsol operator.");

/* A suspected cardiac arrest on its row: the time since it was recognised (ticking) and whether compressions have
 * started — the two numbers a supervisor watches for it (issue 30). */
function arrestBadge(i) {
  const ca = i.cardiac_arrest;
  if (!ca || !ca.suspected || ca.stopped_at) return "";
  const cpr = ca.first_compression_at
    ? `<span class="ca-cpr on">${esc(t("kompresi berjalan"))} +${esc(mmss(Date.parse(ca.first_compression_at) - Date.parse(ca.recognised_at)))}</span>`
    : `<span class="ca-cpr off">${esc(ca.instructions_started_at ? t("instruksi RJP, belum kompresi") : t("belum ada kompresi"))}</span>`;
  return `<span class="ca-badge" title="${esc(t("Dugaan henti jantung: waktu sejak dikenali"))}">${esc(t("Henti jantung"))} <span class="ca-since" data-since="${esc(ca.recognised_at)}">${esc(mmss(Date.now() - Date.parse(ca.recognised_at)))}</span></span> ${cpr}`;
}
const arrestFirst = (i) => (i.cardiac_arrest && i.cardiac_arrest.suspected && !i.cardiac_arrest.stopped_at ? 0 : 1);

export function drawIncidents(state) {
  const rows = [...state.incidents.values()].sort((a, b) => arrestFirst(a) - arrestFirst(b) || a.priority - b.priority || Date.parse(b.created_at) - Date.parse(a.created_at));
  const shown = rows.slice(0, MAX_INCIDENTS_SHOWN);
  patchList(byId("incidents"), shown.map((i) => [i.id, `<li class="inc st-${esc(i.status)}" data-id="${i.id}" data-status="${esc(i.status)}">
      <button type="button" class="link" data-open="${i.id}">${centreTag(state, i.command_centre)}${priorityBadgeHtml(i.priority)}
      <b>${esc(i.reference)}</b> ${i.unclassified ? `<span class="cat unclassified" title="${esc(UNCLASSIFIED_TITLE)}">` : "<span class=\"cat\">"}${esc(i.category_name || "")}</span> · ${esc(label("incident", i.status))}
      <span class="muted">${esc(clock(state, i.command_centre, i.created_at))}</span></button>${arrestBadge(i)}</li>`])
    .concat(rows.length > shown.length ? [["more", `<li class="muted">${esc(fmt(t("… dan %(n)s lainnya (lihat peta)"), { n: rows.length - shown.length }))}</li>`]] : []));
  byId("incident-count").textContent = num(state.openTotal);
}

/* Once a second: countdowns, time on the line, the centres' clocks. `skew` = server clock − this PC's clock. */
export function tick(skew) {
  const now = Date.now() + skew;
  for (const node of document.querySelectorAll("[data-deadline]")) {
    const left = Date.parse(node.dataset.deadline) - now;
    if (!node.dataset.deadline) continue;
    node.textContent = left > 0 ? mmss(left) : t("lewat batas");
    node.classList.toggle("urgent", left > 0 && left < 30000);
    node.classList.toggle("overdue", left <= 0);
  }
  for (const node of document.querySelectorAll("[data-since]")) {
    const long = now - Date.parse(node.dataset.since);
    node.textContent = mmss(long);
    node.classList.toggle("long", long > 5 * 60000);
  }
  for (const node of document.querySelectorAll(".clock[data-zone]")) {
    node.textContent = clockFormatter(node.dataset.zone)(now);
  }
}
