/* The supervisor live board (issue 12). The page embeds the snapshot (same JSON as GET /api/v1/board/) and its
 * last_seq; from there every change arrives on /ws/events/ (lib/live.js: resumes from that seq, exactly once, in
 * order) and is applied to the state (state.js); only the panels it touches are redrawn. Countdowns, time on the
 * line and the centres' clocks tick locally. No polling. */
import { apiResult } from "../lib/api.js";
import { start } from "../lib/live.js";
import { byId, pageConfig } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { apply, createState } from "./state.js";
import * as view from "./render.js";
import { redraw, setupMap } from "./map.js";
import { maybeRefresh, openIncident, setupDrill } from "./drill.js";
import { announce, askAcknowledge, setupAlerts } from "./alerts.js";

const root = byId("board");
const cfg = pageConfig("board-config");
const parseStarted = performance.now();
const snap = pageConfig("board-snapshot");
const parseMs = Math.round(performance.now() - parseStarted);
const state = createState(snap);
// Server clock − this PC's clock (the snapshot was made a moment ago): deadlines count down by the server's time.
const skew = Date.parse(snap.generated_at) - Date.now();

view.setup(cfg, state);
const label = view.label;
const clock = (centreId, iso) => view.clock(state, centreId, iso);

let flashTimer = null;
function flash(text, kind) {
  const node = byId("board-flash");
  node.textContent = text;
  node.className = "board-flash " + (kind || "ok");
  node.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { node.hidden = true; }, 5000);
}

const DRAW = {
  incidents: () => { view.drawIncidents(state); redraw(); },
  units: () => redraw(),
  offers: () => view.drawOffers(state),
  alerts: () => view.drawAlerts(state, cfg.canAct),
  agencies: () => view.drawAgencies(state),
  callouts: () => view.drawCallouts(state),
  callTakers: () => {},
  stats: () => {},
};

let dirty = new Set(), scheduled = false, batch = [];
function schedule(panels, ev) {
  for (const p of panels) dirty.add(p);
  if (ev && window.__boardApplied) batch.push({ seq: ev.seq, kind: ev.kind, incident: ev.incident, eventAt: Date.parse(ev.at), received: Date.now() });
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    const started = performance.now();
    scheduled = false;
    const todo = dirty;
    dirty = new Set();
    for (const p of todo) DRAW[p]();
    // the centres' summary lines depend on everything
    view.drawCentres(state);
    view.tick(skew);
    root.dataset.lastApplied = String(live.lastSeq());
    // bench/board.py measures event → board by what was drawn in this frame
    if (window.__boardApplied && batch.length) {
      const at = Date.now(), frameMs = performance.now() - started;
      for (const b of batch) window.__boardApplied.push({ ...b, at, frameMs });
    }
    batch = [];
  });
}

/* The first draw of every panel; how long each took is kept for bench/board.py (window.__boardDrawMs). */
function drawAll() {
  const took = { parse: parseMs };
  const timed = (name, fn) => { const t0 = performance.now(); fn(); took[name] = Math.round(performance.now() - t0); };
  timed("centres", () => view.drawCentres(state));
  timed("incidents", () => view.drawIncidents(state));
  timed("offers", () => view.drawOffers(state));
  timed("callouts", () => view.drawCallouts(state));
  timed("alerts", () => view.drawAlerts(state, cfg.canAct));
  timed("agencies", () => view.drawAgencies(state));
  timed("tick", () => view.tick(skew));
  redraw();
  window.__boardDrawMs = took;
}

// A provincial board narrows to one centre (a new snapshot: ?centre=<id>); no inline handler (the CSP allows none).
const centreFilter = byId("centre-filter");
if (centreFilter) centreFilter.addEventListener("change", () => centreFilter.form.submit());

// Clicks anywhere on the board: open a drill-down, acknowledge an alert.
root.addEventListener("click", (e) => {
  const open = e.target.closest("[data-open]");
  if (open) { openIncident(Number(open.dataset.open)); return; }
  const ack = e.target.closest("[data-ack-incident]");
  if (ack) { acknowledge(Number(ack.dataset.ackIncident)); return; }
  const centreAck = e.target.closest("[data-ack-alerts]");
  if (centreAck) { acknowledgeCentreAlerts(centreAck.dataset.ackAlerts.split(",").map(Number)); return; }
  if (e.target.closest("[data-more-alerts]")) { view.showMoreAlerts(); schedule(["alerts"]); }
});

setupMap(cfg, () => state, openIncident, label);
// "Tandai sudah ditangani" from the drill-down: the same dialog as the alerts panel's line
const acknowledge = (incidentId) => {
  const group = view.alertGroups(state).find((g) => g.incident === incidentId);
  if (group && group.open.length) askAcknowledge(group, { label, clock });
};
setupDrill(cfg, { state, label, clock, flash, acknowledge });
// A centre's own alert (no incident, e.g. the reports went stale): each acknowledged on its own (one click, no note).
async function acknowledgeCentreAlerts(ids) {
  for (const id of ids) {
    const res = await apiResult("POST", `/api/v1/alerts/${id}/acknowledge/`, {});
    const row = state.alerts.get(id);
    if (res.ok && row) Object.assign(row, { acknowledged: true, acknowledged_at: res.data.acknowledged_at, acknowledged_by: res.data.acknowledged_by });
    else if (!res.ok) flash((res.error && res.error.message) || t("Peringatan tidak dapat ditandai."), "error");
  }
  schedule(["alerts"]);
}
setupAlerts(cfg, (group) => {
  // the live event will say the same; showing it at once spares the supervisor a doubt
  for (const a of group.alerts) {
    const row = state.alerts.get(a.id);
    if (row && a.acknowledged_at) {
      Object.assign(row, { acknowledged: true, acknowledged_at: a.acknowledged_at, acknowledged_by: a.acknowledged_by, acknowledged_by_name: a.acknowledged_by_name });
    }
  }
  schedule(["alerts"]);
  if (group.acknowledged) {
    flash(fmt(t("%(ref)s: %(n)s peringatan ditandai sudah ditangani."), { ref: group.reference, n: group.acknowledged }), "ok");
  } else {
    // a colleague was quicker: say who, nothing was written twice
    const by = group.alerts.map((a) => a.acknowledged_by_name).filter(Boolean).pop();
    flash(by ? fmt(t("%(ref)s sudah ditangani oleh %(name)s."), { ref: group.reference, name: by }) : fmt(t("%(ref)s sudah ditangani."), { ref: group.reference }), "ok");
  }
});
drawAll();
setInterval(() => view.tick(skew), 1000);
// "Usable": every panel drawn and the map painted (bench/board.py waits for this mark).
requestAnimationFrame(() => {
  document.documentElement.dataset.boardReadyAt = String(performance.now());
  document.documentElement.dataset.boardReady = "1";
});

// A centre's day ends at its own midnight: reload for a fresh "today" (the snapshot recomputes it).
const nextMidnight = Math.min(...[...state.centres.values()].map((c) => Date.parse(c.day_end))) - Date.now() - skew;
if (isFinite(nextMidnight) && nextMidnight > 0) setTimeout(() => window.location.reload(), nextMidnight + 2000);

const live = start({
  url: "/ws/events/",
  lastSeq: Number(root.dataset.lastSeq),
  onEvent(ev) {
    const changed = apply(state, ev);
    if (changed.newAlerts && changed.newAlerts.length) announce(changed.newAlerts);
    // a colleague marked a line handled: say so here too (the line itself sinks below the open ones)
    if (ev.kind === "alert.acknowledged" && ev.actor !== cfg.user && changed.has("alerts")) {
      const p = ev.payload || {}, ref = (p.incident && p.incident.reference) || "";
      flash(p.acknowledged_by_name ? fmt(t("%(ref)s ditangani oleh %(name)s."), { ref, name: p.acknowledged_by_name })
        : fmt(t("%(ref)s ditangani."), { ref }), "ok");
    }
    maybeRefresh(ev);
    if (changed.size) schedule(changed, ev);
  },
  onResync() { window.location.reload(); },
});
window.__board = { state, live, fmt };
