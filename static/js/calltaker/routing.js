/* Routing a saved incident to agencies: the proposal checked, digits 1–9 toggle an agency, Enter routes,
 * Esc leaves it for later. A routing not yet sent survives a reload (localStorage). */
import { $, S, cfg, ASSIGNMENT_LABEL, ROUTE_KEY, clock, metres } from "./state.js";
import { clearFieldError, showFieldError } from "./form.js";
import { upsertIncident } from "./list.js";
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
  S.routing = { incident: r.incident, reference: r.reference, category: r.category, agencies: agencies.slice(0, 9), units: r.units, assignments: r.assignments || null };
  localStorage.setItem(ROUTE_KEY, JSON.stringify(r));
  renderRouting();
  const panel = $("routing");
  panel.hidden = false;
  panel.focus();
}

function renderRouting() {
  const routing = S.routing;
  $("routing-ref").textContent = routing.reference;
  const reason = { jurisdiction: t("wilayah hukum"), region: t("wilayah layanan"), centre: t("instansi pusat") };
  $("routing-list").replaceChildren(...routing.agencies.map((a, i) => {
    const unit = routing.units.find((u) => u.agency === a.id);
    return el("li", { class: "agency" + (a.checked ? " checked" : ""), dataset: { id: a.id } },
      el("label", {},
        el("kbd", {}, String(i + 1)), " ",
        el("input", { type: "checkbox", checked: a.checked, tabindex: "-1", onchange: () => toggleAgency(i) }), " ",
        el("b", {}, a.name), a.reason ? el("span", { class: "hint" }, " · " + t("usulan") + " (" + (reason[a.reason] || a.reason) + ")") : ""),
      unit ? el("div", { class: "unit" }, fmt(t("Unit terdekat %(unit)s: %(d)s, perkiraan %(eta)s menit"), { unit: unit.call_sign, d: metres(unit.distance_m), eta: String(unit.eta_min).replace(".", ",") }))
        : a.checked ? el("div", { class: "unit none" }, t("Tidak ada unit siaga dengan kemampuan yang dibutuhkan")) : "");
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
    renderAssignments(assignments);
    upsertIncident({ id: routing.incident, status: "routed", routed_at: new Date().toISOString() });
    routing.done = true;
    $("btn-new-call").focus();
  } catch (err) {
    showFieldError("agencies", err.error.message + " " + Object.values(err.error.fields || {}).flat().join(" "));
  } finally {
    routing.busy = false;
  }
}

function renderAssignments(assignments) {
  $("assignments").replaceChildren(el("h3", {}, t("Penugasan")), el("ul", {}, assignments.map((a) => el("li", { class: "assignment", dataset: { id: a.id, deadline: a.ack_deadline || "" } },
    el("b", {}, a.agency_name), " · ", ASSIGNMENT_LABEL[a.status] || a.status,
    a.ack_deadline ? [" · ", t("batas konfirmasi"), " ", clock(a.ack_deadline), " (", el("span", { class: "countdown" }, mmss(Date.parse(a.ack_deadline) - Date.now())), ")"] : ""))));
}

/* The confirmation countdowns of the assignments just made (called every second). */
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
    else if (e.key === "Escape") { e.preventDefault(); $("routing").hidden = true; $("btn-new-call").focus(); }
  });
  $("btn-route").addEventListener("click", route);
}
