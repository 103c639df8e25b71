/* Routing a saved incident to agencies: the proposal checked, digits 1–9 toggle an agency, Enter routes,
 * Esc leaves it for later. A routing not yet sent survives a reload (localStorage).
 *
 * Once routed, the panel follows the incident's assignments live (assignment.* events): "Diterima", "Ditolak"
 * with the reason, expired, handed off to another agency, a backup offered. When nobody holds it any more the
 * panel says so and takes digits and Enter again, to route it elsewhere. The next call clears it (clearRouting).
 *
 * Never dropped in silence: F2 (the next call) or Esc while the panel holds an incident nobody has been offered says
 * so once — "PKY-… belum diteruskan — Enter teruskan, F2 lagi lanjut" — and the same key again goes on. The incident
 * then waits in the tray of the call-taker's unrouted incidents (tray.js). */
import { $, S, cfg, ASSIGNMENT_LABEL, ROUTE_KEY, ask, clearFieldError, clock, metres, showFieldError } from "./state.js";
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { mmss } from "../lib/time.js";

export function openRouting(r) {
  const proposedIds = new Set(r.proposed.map((a) => a.id));
  const agencies = r.proposed.map((a) => ({ id: a.id, name: a.short_name || a.name, type: a.type, reason: a.reason, checked: true }));
  for (const a of S.centreAgencies) {
    if (!proposedIds.has(a.id) && a.command_centre === cfg.centre) agencies.push({ id: a.id, name: a.short_name || a.name, type: a.type, reason: null, checked: false });
  }
  S.routing = {
    incident: r.incident, reference: r.reference, category: r.category, agencies: agencies.slice(0, 9), units: r.units,
    assignments: new Map((r.assignments || []).map((a) => [a.id, a])), done: !!(r.assignments || []).length,
  };
  if (!S.routing.done) localStorage.setItem(ROUTE_KEY, JSON.stringify(r));
  renderRouting();
  renderAssignments();
  hideWarning();
  const panel = $("routing");
  panel.hidden = false;
  panel.focus();
}

const WARNING = {
  F2: t("%(ref)s belum diteruskan — Enter teruskan, F2 lagi lanjut"),
  Esc: t("%(ref)s belum diteruskan — Enter teruskan, Esc lagi tutup panel"),
};

/* F2 / Esc: true when the key must stop here because the panel's incident is not routed and nobody was told yet. */
export function holdsUnrouted(key) {
  const routing = S.routing;
  if (!routing || routing.done || routing.warned || $("routing").hidden) return false;
  routing.warned = true;
  const box = $("routing-warning");
  box.textContent = fmt(WARNING[key] || WARNING.F2, { ref: routing.reference });
  box.hidden = false;
  $("routing").focus();
  return true;
}

function hideWarning() {
  const box = $("routing-warning");
  box.hidden = true;
  box.textContent = "";
}

/* The next call starts: the last incident's routing leaves the screen (its assignments stay in the list). */
export function clearRouting() {
  S.routing = null;
  localStorage.removeItem(ROUTE_KEY);
  $("routing").hidden = true;
  hideWarning();
  $("routing-list").replaceChildren();
  $("assignments").replaceChildren();
  $("routing-ref").textContent = "";
  clearFieldError("agencies");
}

function renderRouting() {
  const routing = S.routing;
  $("routing-ref").textContent = routing.reference;
  const reason = { jurisdiction: t("wilayah hukum"), region: t("wilayah layanan"), centre: t("instansi pusat"), category: t("jenis kategori") };
  $("routing-list").replaceChildren(...routing.agencies.map((a, i) => {
    // Routed again from the list, the nearest units are not known (null): say nothing rather than "none".
    const unit = (routing.units || []).find((u) => u.agency === a.id);
    return el("li", { class: "agency" + (a.checked ? " checked" : ""), dataset: { id: a.id } },
      el("label", {},
        el("kbd", {}, String(i + 1)), " ",
        el("input", { type: "checkbox", checked: a.checked, tabindex: "-1", onchange: () => toggleAgency(i) }), " ",
        el("b", {}, a.name), a.reason ? el("span", { class: "hint" }, " · " + t("usulan") + " (" + (reason[a.reason] || a.reason) + ")") : ""),
      unit ? el("div", { class: "unit" }, fmt(t("Unit terdekat %(unit)s: %(d)s, perkiraan %(eta)s menit"), { unit: unit.call_sign, d: metres(unit.distance_m), eta: String(unit.eta_min).replace(".", ",") }))
        : a.checked && routing.units ? el("div", { class: "unit none" }, t("Tidak ada unit siaga dengan kemampuan yang dibutuhkan")) : "");
  }));
}

function toggleAgency(i) {
  const routing = S.routing;
  if (!routing || !routing.agencies[i]) return;
  routing.agencies[i].checked = !routing.agencies[i].checked;
  renderRouting();
}

async function route() {
  const routing = S.routing;
  if (!routing || routing.busy) return;
  const ids = routing.agencies.filter((a) => a.checked).map((a) => a.id);
  clearFieldError("agencies");
  if (!ids.length) { showFieldError("agencies", t("Pilih minimal satu instansi.")); return; }
  routing.busy = true;
  try {
    const assignments = await api("POST", `${cfg.api.incidents}${routing.incident}/route/`, { agencies: ids });
    localStorage.removeItem(ROUTE_KEY);
    if (S.routing !== routing) return; // the next call began meanwhile: the list shows the outcome
    for (const a of assignments) routing.assignments.set(a.id, { ...routing.assignments.get(a.id), ...a });
    routing.done = true;
    routing.unrouted = false;
    hideWarning();
    renderAssignments();
    ask("upsertIncident", { id: routing.incident, status: "routed", routed_at: new Date().toISOString() });
    ask("flushList");
    // The outcome sits under the map: bring it into view, keyboard back on the next call.
    $("assignments").scrollIntoView({ block: "nearest" });
    $("btn-new-call").focus({ preventScroll: true });
  } catch (err) {
    showFieldError("agencies", err.error.message + " " + Object.values(err.error.fields || {}).flat().join(" "));
  } finally {
    routing.busy = false;
  }
}

function assignmentItem(a) {
  const label = ASSIGNMENT_LABEL[a.status] || a.status;
  const offered = a.status === "offered";
  return el("li", { class: `assignment as-${a.status}`, dataset: { id: a.id, status: a.status, deadline: offered && a.ack_deadline ? a.ack_deadline : "" } },
    el("b", {}, a.agency_name), " · ", el("span", { class: "as-label" }, label),
    a.escalation_stage > 0 && offered ? [" · ", el("span", { class: "hint" }, t("cadangan"))] : "",
    a.note ? [" · ", el("span", { class: "as-note" }, a.note)] : "",
    offered && a.ack_deadline ? [" · ", t("batas konfirmasi"), " ", clock(a.ack_deadline), " (", el("span", { class: "countdown" }, mmss(Date.parse(a.ack_deadline) - Date.now())), ")"] : "");
}

function renderAssignments() {
  const routing = S.routing;
  const box = $("assignments");
  if (!routing || !routing.assignments.size) { box.replaceChildren(); return; }
  const list = [...routing.assignments.values()].sort((a, b) => a.id - b.id);
  box.replaceChildren(
    el("h3", {}, t("Penugasan")),
    el("ul", {}, list.map(assignmentItem)),
    routing.unrouted ? el("p", { class: "unrouted-note", role: "alert" }, t("Tidak ada instansi yang menangani kejadian ini. Pilih instansi lain (1–9) lalu Enter.")) : "",
  );
}

/* A live event about the incident on the panel (main.js passes every event). */
export function routingEvent(ev) {
  const routing = S.routing;
  if (!routing || String(ev.incident) !== String(routing.incident)) return;
  const p = ev.payload || {};
  const summary = p.assignment && typeof p.assignment === "object" ? p.assignment : null;
  if (summary) {
    const note = ev.kind === "assignment.declined" ? p.reason
      : ev.kind === "assignment.handed_off" ? p.reason
      : ev.kind === "assignment.offered" && p.previous ? t("menggantikan penugasan sebelumnya") : "";
    routing.assignments.set(summary.id, { ...routing.assignments.get(summary.id), ...summary, note: note || (routing.assignments.get(summary.id) || {}).note || "" });
  } else if (ev.kind === "assignment.cancelled" && routing.assignments.has(p.assignment)) {
    routing.assignments.set(p.assignment, { ...routing.assignments.get(p.assignment), status: p.new });
  } else if (ev.kind === "incident.status_changed") {
    routing.unrouted = p.new === "new";
    if (routing.unrouted) {
      // Route it again from here: the agencies that let it go are unchecked.
      routing.done = false;
      routing.warned = false;
      const gone = new Set([...routing.assignments.values()].map((a) => a.agency));
      routing.agencies.forEach((a) => { a.checked = a.checked && !gone.has(a.id); });
      renderRouting();
    }
  } else {
    return;
  }
  ask("flushList"); // the row in the list says the same as the panel, in the same frame
  renderAssignments();
}

/* Route an incident from the list again (nobody holds it): the panel with the centre's agencies and its history. */
export async function rerouteIncident(id) {
  let detail;
  try {
    detail = await api("GET", `${cfg.api.incidents}${id}/`);
  } catch (err) {
    return;
  }
  if (detail.status !== "new") return;
  // Never routed (saved, then the next call came): check what the save would have proposed, as far as the console
  // knows it — the centre's agency of each type the category needs, where it has exactly one (with several,
  // jurisdiction decides on the server: the call-taker picks). Routed before: nothing checked, the history shows why.
  const proposed = [];
  const category = S.categoryByCode.get(detail.category);
  if (!detail.assignments.length && category) {
    for (const type of category.responsible_agency_types || []) {
      const own = S.centreAgencies.filter((a) => a.type === type && a.command_centre === cfg.centre);
      if (own.length === 1) proposed.push({ ...own[0], reason: "category" });
    }
  }
  openRouting({ incident: detail.id, reference: detail.reference, category: detail.category, proposed, units: null, assignments: detail.assignments });
  S.routing.done = false;
  S.routing.unrouted = detail.assignments.length > 0;
  renderAssignments();
}

/* The confirmation countdowns of the offers on the panel (called every second). */
export function tickCountdowns() {
  document.querySelectorAll("#assignments .assignment").forEach((a) => {
    const cd = a.querySelector(".countdown");
    if (cd && a.dataset.deadline) cd.textContent = mmss(Date.parse(a.dataset.deadline) - Date.now());
  });
}

export function initRouting() {
  $("routing").addEventListener("keydown", (e) => {
    const routing = S.routing;
    if (!routing || routing.done) return;
    if (/^[1-9]$/.test(e.key) && !e.altKey && !e.ctrlKey) { e.preventDefault(); toggleAgency(Number(e.key) - 1); }
    else if (e.key === "Enter") { e.preventDefault(); route(); }
    else if (e.key === "Escape") {
      e.preventDefault();
      if (holdsUnrouted("Esc")) return;
      $("routing").hidden = true;
      hideWarning();
      $("btn-new-call").focus();
    }
  });
  $("btn-route").addEventListener("click", route);
}
