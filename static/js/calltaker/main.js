/* Call-taker console (issue 3): keyboard first, works through REST API v1, updated by live events.
 *
 * Flow of a genuine call: F2 (answer) → category (type, Enter) → location (type, Enter) → SOP questions
 * (y/n, Enter) → description (Enter saves) → routing (digits toggle agencies, Enter routes).
 * Non-emergencies close with one key: Alt+G ghost, Alt+P prank, Alt+I info, Alt+M misdial. Alt+V calls volunteers
 * out to the incident just logged (static/js/volunteers/callouts-panel.js).
 *
 * Modules: state (config, draft, shared state), call (call panel, ringing calls, caller history),
 * form (type-aheads, location, save), questions (SOP questions, priority, Enter flow), duplicates,
 * routing, list (the open incidents: the one row renderer), map. This one wires them and starts. */
import { $, S, cfg, ROUTE_KEY, focus, isTextField, root } from "./state.js";
import { answerOrNew, addRinging, closeAs, initCall, loadHistory, removeRinging, renderCall, tickTimer } from "./call.js";
import { linkDuplicate } from "./duplicates.js";
import { clearForm, fillForm, initForm, pickOnMap, toggleOverride, save, useAml } from "./form.js";
import { addMarkersLater, fillAgencyFilter, isUnrouted, noteAssignment, onRowChosen, recordOf, renderRows, repaintTimes, upsertIncident } from "./list.js";
import { initMap } from "./map.js";
import { initQuestions, renderQuestions, suggestPriority } from "./questions.js";
import { initRouting, openRouting, rerouteIncident, routingEvent, tickCountdowns } from "./routing.js";
import { api } from "../lib/api.js";
import { pageConfig } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { start as startLiveEvents } from "../lib/live.js";
import { pageTimeZone, startClock } from "../lib/time.js";
import { mountCallouts } from "../volunteers/callouts-panel.js";

// The list first: it is what the call-taker reads first, and what "ready" waits for.
renderRows(pageConfig("ct-incidents"));
startClock($("ct-clock"), pageTimeZone(root));
initMap(pickOnMap);
initCall();
initForm();
initQuestions();
initRouting();
// Volunteer call-outs of the incident just logged: who is coming, live; Alt+V calls volunteers out.
const volunteers = mountCallouts({
  panel: $("callouts-panel"), timeZone: pageTimeZone(root),
  current: () => (S.routing ? { id: S.routing.incident, reference: S.routing.reference, category: S.routing.category } : null),
});

// ───────────────────────── live events ─────────────────────────
function onEvent(ev) {
  const p = ev.payload || {};
  if (ev.kind === "call.ringing" && p.call) addRinging(p.call);
  else if ((ev.kind === "call.answered" || ev.kind === "call.closed") && p.call) {
    removeRinging(p.call.id);
  }
  volunteers.onEvent(ev);
  if (p.incident && typeof p.incident === "object") {
    const s = { ...p.incident };
    if (s.location && !Array.isArray(s.location) && s.location.coordinates) s.location = s.location.coordinates;
    if (ev.kind === "incident.status_changed" && p.new === "routed") s.routed_at = ev.at;
    if (ev.kind === "incident.status_changed" && p.new === "new") s.unrouted_since = ev.at;
    if (ev.kind === "incident.created") {
      s.created_by = ev.actor;
      // Replayed after the console's own create and route answered: the row already knows better than "new".
      if (recordOf(s.id)) delete s.status;
    }
    // An offer is routing: the summary was taken before the status followed (same transaction, later event).
    if (ev.kind === "assignment.offered" && s.status === "new") { s.status = "routed"; s.routed_at = s.routed_at || ev.at; }
    upsertIncident(s);
  }
  if (ev.kind.startsWith("assignment.")) {
    const a = p.assignment && typeof p.assignment === "object" ? p.assignment : { agency: p.agency, status: p.new };
    noteAssignment(ev.incident, a.agency, a.status);
  }
  routingEvent(ev);
}

function startLive() {
  const stateEl = $("live-state");
  const labels = { connecting: t("menghubungkan…"), live: t("langsung"), stale: t("terputus — data mungkin usang") };
  const onState = (state) => {
    stateEl.textContent = labels[state] || state;
    stateEl.className = "live-state " + state;
  };
  startLiveEvents({ url: "/ws/events/", lastSeq: Number(root.dataset.lastSeq || 0), onEvent, onState });
}

// An incident nobody holds: a click on its row opens the routing panel for it again.
onRowChosen((id) => { const r = recordOf(id); if (r && (isUnrouted(r) || r.unclassified)) rerouteIncident(id); });

// ───────────────────────── global shortcuts ─────────────────────────
const ALT_KEYS = {
  KeyG: () => closeAs("ghost"), KeyP: () => closeAs("prank"), KeyI: () => closeAs("info"), KeyM: () => closeAs("misdial"),
  KeyK: () => focus("f-category"), KeyL: () => focus("f-place"), KeyA: useAml, KeyD: () => linkDuplicate(S.duplicates[0]),
  KeyO: toggleOverride, KeyX: clearForm, KeyV: () => volunteers.open(),
};
const toggleHelp = () => { $("shortcut-help").hidden = !$("shortcut-help").hidden; };
$("help-toggle").addEventListener("click", toggleHelp);
document.addEventListener("keydown", (e) => {
  if (e.key === "F2") { e.preventDefault(); answerOrNew(); return; }
  if (e.altKey && !e.ctrlKey && !e.metaKey && ALT_KEYS[e.code]) { e.preventDefault(); ALT_KEYS[e.code](); return; }
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); save(); return; }
  if (e.key === "Escape") { $("shortcut-help").hidden = true; return; }
  if (e.key === "?" && !isTextField(e.target)) { e.preventDefault(); toggleHelp(); }
}, true);

// ───────────────────────── start ─────────────────────────
addMarkersLater();
setInterval(() => { tickTimer(); tickCountdowns(); volunteers.tick(); }, 1000);
setInterval(repaintTimes, 15000);

renderCall();
fillForm();
startLive();
if (S.call && S.draft.caller_number) loadHistory();

// Reference data comes embedded in the page (same shapes as the API); fetched only when missing.
const fromPage = (data, url) => (data ? Promise.resolve(data) : api("GET", url));
Promise.all([
  fromPage(cfg.categories, cfg.api.categories).then((data) => {
    S.categories = Array.isArray(data) ? data : data.results || [];
    S.categoryByCode = new Map(S.categories.map((c) => [c.code, c]));
  }),
  fromPage(cfg.agencies, `${cfg.api.agencies}?command_centre=${encodeURIComponent(cfg.centre || "")}`).then((data) => {
    S.centreAgencies = Array.isArray(data) ? data : data.results || [];
    fillAgencyFilter(S.centreAgencies);
  }).catch(() => { S.centreAgencies = []; }),
]).then(() => {
  // The draft's category and questions need the category list.
  const c = S.categoryByCode.get(S.draft.category);
  if (c) { $("f-category").value = c.name; renderQuestions(); suggestPriority(); }
  const pending = localStorage.getItem(ROUTE_KEY);
  if (pending) {
    try { openRouting(JSON.parse(pending)); } catch (e) { localStorage.removeItem(ROUTE_KEY); }
  }
  document.documentElement.dataset.ctReadyAt = String(Math.round(performance.now()));
  document.documentElement.dataset.ctReady = "1";
  document.dispatchEvent(new CustomEvent("calltaker:ready"));
}).catch((err) => {
  $("form-error").textContent = (err.error && err.error.message) || t("Gagal memuat daftar kategori.");
  document.documentElement.dataset.ctReady = "error";
});

window.CallTaker = { get draft() { return S.draft; }, get call() { return S.call; } };
