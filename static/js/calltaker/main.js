/* Call-taker console (issue 3): keyboard first, works through REST API v1, updated by live events.
 *
 * Flow of a genuine call: F2 (answer) → category (type, Enter) → location (type, Enter) → address (the place's label
 * selected: type over it or Enter) → SOP questions (y/n, Enter) → description (Enter saves) → routing (digits toggle
 * agencies, Enter routes). Alt+N / Alt+A reach the caller's name / the address from anywhere.
 * Non-emergencies close with one key: Alt+G ghost, Alt+P prank, Alt+I info, Alt+M misdial, Alt+T test — asking
 * first when something was typed — and Ctrl+Z undoes it for 10 s. Alt+V calls volunteers out to the incident just
 * logged (static/js/volunteers/callouts-panel.js).
 *
 * Modules, in one direction — main → panels → state.js and ../lib (tests/core/test_js_imports.py):
 * state (config, draft, shared state, the hooks), call (call panel, dispositions and their undo, ringing calls,
 * caller history), form (type-aheads, location, save), questions (SOP questions, priority, Enter flow),
 * duplicates, routing, list (the open incidents: the one row renderer), tray (the call-taker's unrouted incidents),
 * map, callerlink (the caller link: SMS link, the caller's fixes, photos and chat), cpr (a suspected cardiac arrest:
 * banner, CPR panel, metronome and steps; Alt+R). No panel imports another: what one needs from another it asks for by name, and this module provides the
 * names below. A new panel is one module imported and wired here. */
import { $, S, cfg, ROUTE_KEY, focus, isTextField, provide, root } from "./state.js";
import { answerOrNew, addRinging, callMessage, canUndo, closeAs, endCallLocally, initCall, loadHistory, removeRinging, renderCall, tickTimer, undoClose } from "./call.js";
import { mountCallerPanel } from "./callerlink.js";
import * as cpr from "./cpr.js";
import { classifyBox } from "./classify.js";
import { linkDuplicate, refreshDuplicates } from "./duplicates.js";
import { clearForm, fillForm, initForm, pickOnMap, setLocation, toggleOverride, save, useAml } from "./form.js";
import {
  addMarkersLater, fillAgencyFilter, flushList, isUnrouted, noteAssignment, onRowChosen, recordOf, renderRows, repaintTimes,
  showMineUnrouted, unroutedOf, upsertIncident,
} from "./list.js";
import { addMarker, hideAml, initMap, leafletMap, placePin, removeMarker, removePin, showAeds, showAml } from "./map.js";
import { flowNext, initQuestions, jumpTo, renderQuestions, suggestPriority } from "./questions.js";
import { clearRouting, holdsUnrouted, initRouting, openRouting, rerouteIncident, routingEvent, tickCountdowns } from "./routing.js";
import { checkOffline, initOffline, offlineNow, onQueuedIncident, searchOffline, sendOrQueue, serverLost, startLocalCall } from "./offline.js";
import { initTray, renderTray, tickTray } from "./tray.js";
import { api } from "../lib/api.js";
import { pageConfig } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { start as startLiveEvents } from "../lib/live.js";
import { pageTimeZone, startClock } from "../lib/time.js";
import { mountCallouts } from "../volunteers/callouts-panel.js";

// What the panels ask of each other (state.js: ask), by name.
provide({
  callMessage, endCallLocally, loadHistory, // call
  fillForm, useAml, // form
  flowNext, renderQuestions, suggestPriority, // questions
  refreshDuplicates, // duplicates
  openRouting, clearRouting, routingHoldsUnrouted: holdsUnrouted, // routing
  classifyBox, // classify (the routing panel's box for an unclassified incident)
  upsertIncident, flushList, listChanged: renderTray, // list → tray
  placePin, removePin, showAml, hideAml, addMarker, removeMarker, showAeds, // map
  renderCall, // call
  offlineNow, serverLost, sendOrQueue, startLocalCall, checkOffline, searchOffline, onQueuedIncident, // offline (issue 26)
  cardiacAnswersChanged: cpr.answersChanged, cardiacHasFocus: cpr.hasFocus, cardiacForcesP1: cpr.forcesP1, // cpr
  cardiacIncidentSaved: cpr.incidentSaved, cardiacLocationChanged: cpr.locationChanged,
});

// An incident nobody holds, or still unclassified (an EIDO transfer): a click on its row (or its item in the tray)
// opens the routing panel for it again.
const reroute = (id) => { const r = recordOf(id); if (r && (isUnrouted(r) || r.unclassified)) rerouteIncident(id); };
// Without the server (issue 26): the outbox, its banner and the heartbeat, before anything asks the server.
initOffline();
initTray({ unrouted: () => unroutedOf(cfg.user), choose: reroute, showAll: showMineUnrouted });
// The list first: it is what the call-taker reads first, and what "ready" waits for.
renderRows(pageConfig("ct-incidents"));
startClock($("ct-clock"), pageTimeZone(root));
initMap(pickOnMap);
initCall();
initForm();
initQuestions();
initRouting();
// Suspected cardiac arrest: banner, CPR panel, metronome, steps (issue 30); Alt+R flags one later in the call.
cpr.initCpr();
// Volunteer call-outs of the incident just logged: who is coming, live; Alt+V calls volunteers out.
const volunteers = mountCallouts({
  panel: $("callouts-panel"), timeZone: pageTimeZone(root),
  current: () => (S.routing ? { id: S.routing.incident, reference: S.routing.reference, category: S.routing.category } : null),
});

// The caller's phone (issue 24): Alt+T texts the link, Alt+U adopts the fix; about the call, then its incident.
const caller = mountCallerPanel({
  panel: $("caller-panel"), timeZone: pageTimeZone(root), map: leafletMap, setLocation, notify: callMessage,
  number: () => S.draft.caller_number || "",
  // a call of this computer only (the server away, issue 26) has no caller link yet
  context: () => (S.call ? (S.call.local ? null : { kind: "call", id: S.call.id }) : S.routing ? { kind: "incident", id: S.routing.incident } : null),
});

// ───────────────────────── live events ─────────────────────────
function onEvent(ev) {
  const p = ev.payload || {};
  caller.onEvent(ev);
  if (ev.kind === "call.ringing" && p.call) addRinging(p.call);
  else if ((ev.kind === "call.answered" || ev.kind === "call.closed") && p.call) {
    removeRinging(p.call.id);
  }
  volunteers.onEvent(ev);
  cpr.onEvent(ev);
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
    if (state === "stale") serverLost(); // the socket down: ask the heartbeat at once (it decides)
  };
  startLiveEvents({ url: "/ws/events/", lastSeq: Number(root.dataset.lastSeq || 0), onEvent, onState });
}

onRowChosen(reroute);

// ───────────────────────── global shortcuts ─────────────────────────
const ALT_KEYS = {
  KeyG: () => closeAs("ghost"), KeyP: () => closeAs("prank"), KeyI: () => closeAs("info"), KeyM: () => closeAs("misdial"),
  KeyT: () => closeAs("test"),
  KeyK: () => focus("f-category"), KeyL: () => focus("f-place"), KeyA: () => jumpTo("f-address"), KeyN: () => jumpTo("f-name"),
  KeyH: useAml, KeyD: () => linkDuplicate(S.duplicates[0]), KeyO: toggleOverride, KeyX: clearForm, KeyV: () => volunteers.open(),
  KeyR: cpr.flagOrFocus,
  KeyS: () => caller.sendLink(), KeyB: () => caller.adopt(), KeyC: () => caller.focusReply(),
};
const toggleHelp = () => { $("shortcut-help").hidden = !$("shortcut-help").hidden; };
$("help-toggle").addEventListener("click", toggleHelp);
document.addEventListener("keydown", (e) => {
  // A shortcut handled here is not also a keystroke for the field that has the focus (Alt+N is not "n" in a question).
  const handled = () => { e.preventDefault(); e.stopPropagation(); };
  if (e.key === "F2") { handled(); answerOrNew(); return; }
  if (e.altKey && !e.ctrlKey && !e.metaKey && ALT_KEYS[e.code]) { handled(); ALT_KEYS[e.code](); return; }
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { handled(); save(); return; }
  // Ctrl+Z reopens the call just closed, while its undo is on offer; in a field typed into since, it stays the
  // field's own undo (call.js: canUndo).
  if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.code === "KeyZ" && canUndo()) { handled(); undoClose(); return; }
  if (e.key === "Escape") { $("shortcut-help").hidden = true; return; }
  if (e.key === "?" && !isTextField(e.target)) { e.preventDefault(); toggleHelp(); }
}, true);

// ───────────────────────── start ─────────────────────────
addMarkersLater();
setInterval(() => { tickTimer(); tickCountdowns(); tickTray(); volunteers.tick(); caller.tick(); cpr.tick(); }, 1000);
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
