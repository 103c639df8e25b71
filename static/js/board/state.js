/* The board's data: the snapshot (GET /api/v1/board/, embedded in the page) kept current by applying each live
 * event once, in seq order (lib/live.js resumes from the snapshot's last_seq). No polling: every number here moves
 * with an event. `apply(ev)` returns what changed so main.js redraws only those panels. */

export const LIVE = new Set(["offered", "accepted"]);
export const OPEN = new Set(["new", "routed", "accepted", "dispatched", "en_route", "on_scene", "resolved"]);
export const BUSY = new Set(["dispatched", "en_route", "on_scene", "transporting", "at_hospital"]);
const NON_INCIDENT = new Set(["info", "ghost", "prank", "misdial", "test"]);
export const INTERVALS = [
  ["answer_to_created", "call_answered_at", "created_at"],
  ["created_to_routed", "created_at", "routed_at"],
  ["routed_to_accepted", "routed_at", "accepted_at"],
  ["accepted_to_on_scene", "accepted_at", "on_scene_at"],
];

const byKey = (rows, key) => new Map((rows || []).map((r) => [r[key], r]));

export function createState(snap) {
  const s = {
    centres: byKey(snap.centres, "id"),
    incidents: byKey(snap.incidents, "id"),
    units: byKey(snap.units, "id"),
    offers: byKey(snap.offers, "assignment"),
    alerts: byKey(snap.alerts, "id"),
    agencies: byKey(snap.agencies, "id"),
    callTakers: byKey(snap.call_takers, "user"),
    callouts: byKey(snap.callouts, "id"),   // call-outs still short of volunteers
    stamps: new Map(),           // today's incidents: their stage stamps, for the live intervals
    openTotal: snap.open_incidents,
  };
  for (const [id, centre, call_answered_at, created_at, routed_at, accepted_at, on_scene_at] of snap.interval_stamps_today || []) {
    s.stamps.set(id, { centre, call_answered_at, created_at, routed_at, accepted_at, on_scene_at });
  }
  return s;
}

/* Linear interpolation between closest ranks: the same definition as PostgreSQL's percentile_cont. */
export function percentile(values, q) {
  if (!values.length) return null;
  const xs = values.slice().sort((a, b) => a - b);
  const pos = (xs.length - 1) * q, lo = Math.floor(pos), hi = Math.min(lo + 1, xs.length - 1);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

export function intervalsOf(s, centreId) {
  const out = {};
  for (const [name, a, b] of INTERVALS) {
    const values = [];
    for (const row of s.stamps.values()) {
      if (centreId !== undefined && row.centre !== centreId) continue;
      if (row[a] && row[b]) values.push((Date.parse(row[b]) - Date.parse(row[a])) / 1000);
    }
    out[name] = { p50: percentile(values, 0.5), p90: percentile(values, 0.9), n: values.length };
  }
  return out;
}

function today(s, centreId, iso) {
  const c = s.centres.get(centreId);
  if (!c || !iso) return false;
  const t = Date.parse(iso);
  return t >= Date.parse(c.day_start) && t < Date.parse(c.day_end);
}

function callTaker(s, userId, centreId) {
  if (!userId) return null;
  let row = s.callTakers.get(userId);
  if (!row) {
    row = { user: userId, name: null, command_centre: centreId, on_call_since: null, calls_today: 0, avg_handling_s: null, handled_ended: 0, handling_total_s: 0 };
    s.callTakers.set(userId, row);
  }
  return row;
}

function callEnded(s, userId, centreId, answeredAt, endedAt) {
  const row = callTaker(s, userId, centreId);
  if (!row) return;
  row.on_call_since = null;
  if (answeredAt && endedAt && today(s, centreId, answeredAt)) {
    row.handled_ended += 1;
    row.handling_total_s += (Date.parse(endedAt) - Date.parse(answeredAt)) / 1000;
    row.avg_handling_s = row.handling_total_s / row.handled_ended;
  }
}

function funnel(s, centreId, key, by = 1) {
  const c = s.centres.get(centreId);
  if (c && key in c.funnel_today) c.funnel_today[key] = Math.max(0, c.funnel_today[key] + by);
}

function agencyLoad(s, agencyId, oldStatus, newStatus) {
  const a = s.agencies.get(agencyId);
  if (!a) return;
  const was = LIVE.has(oldStatus), is = LIVE.has(newStatus);
  if (was && !is) a.open_assignments = Math.max(0, a.open_assignments - 1);
  if (!was && is) a.open_assignments += 1;
}

function unitBucket(status) {
  return status === "available" ? "units_available" : BUSY.has(status) ? "units_busy" : status === "out_of_service" ? "units_out_of_service" : null;
}

/* Apply one event; returns the set of panels to redraw ("incidents", "offers", "alerts", "agencies", "units",
 * "callTakers", "stats") and, for a new alert, `newAlerts`. */
export function apply(s, ev) {
  const changed = new Set();
  const p = ev.payload || {};
  const summary = p.incident;
  const mine = summary && s.centres.has(summary.command_centre);
  if (summary && mine) {
    if (OPEN.has(summary.status)) {
      const had = s.incidents.get(summary.id);
      if (!had) s.openTotal += 1;
      s.incidents.set(summary.id, { ...(had || {}), ...summary });
    } else if (s.incidents.delete(summary.id)) {
      s.openTotal = Math.max(0, s.openTotal - 1);
    }
    changed.add("incidents");
    if (s.stamps.has(summary.id) || today(s, summary.command_centre, summary.created_at)) {
      const { call_answered_at, created_at, routed_at, accepted_at, on_scene_at } = summary;
      s.stamps.set(summary.id, { centre: summary.command_centre, call_answered_at, created_at, routed_at, accepted_at, on_scene_at });
      changed.add("stats");
    }
  }
  const kind = ev.kind;
  // A suspected cardiac arrest (issue 30): its block (recognised, compressions started…) on the incident's row.
  if (kind.startsWith("cardiac_arrest.") && p.cardiac_arrest) {
    const row = s.incidents.get(ev.incident);
    if (row) { row.cardiac_arrest = p.cardiac_arrest; changed.add("incidents"); }
  }
  if (kind === "assignment.offered") {
    const a = p.assignment;
    if (mine || s.agencies.has(a.agency)) {
      s.offers.set(a.id, {
        assignment: a.id, incident: ev.incident, reference: summary && summary.reference, agency: a.agency, agency_name: a.agency_name,
        offered_at: a.offered_at, ack_deadline: a.ack_deadline, escalation_stage: a.escalation_stage,
        command_centre: summary && summary.command_centre, category_name: summary && summary.category_name, priority: summary && summary.priority,
      });
      agencyLoad(s, a.agency, null, "offered");
      changed.add("offers").add("agencies");
    }
  } else if (kind.startsWith("assignment.")) {
    const id = typeof p.assignment === "object" ? p.assignment.id : p.assignment;
    const agency = typeof p.assignment === "object" ? p.assignment.agency : p.agency;
    if (s.offers.delete(id)) changed.add("offers");
    agencyLoad(s, agency, p.old, p.new);
    changed.add("agencies");
  } else if (kind === "unit.status_changed" || kind === "unit.position") {
    const u = s.units.get(p.unit);
    if (u) {
      const old = u.status, now = kind === "unit.position" ? p.status : p.new;
      if (old !== now) {
        const a = s.agencies.get(u.agency), from = unitBucket(old), to = unitBucket(now);
        if (a && from) a[from] = Math.max(0, a[from] - 1);
        if (a && to) a[to] += 1;
        u.status = now;
        changed.add("agencies");
      }
      if (kind === "unit.position") { u.position = p.position; u.position_at = p.position_at; }
      changed.add("units");
    }
  } else if (kind.startsWith("call.") && p.call && s.centres.has(p.call.command_centre)) {
    const c = p.call, centre = c.command_centre;
    if (kind === "call.ringing" && today(s, centre, c.ringing_at)) funnel(s, centre, "received");
    if (kind === "call.answered") {
      if (!p.old && today(s, centre, c.answered_at)) funnel(s, centre, "received");   // answered without ringing first
      const row = callTaker(s, c.call_taker, centre);
      if (row) { row.on_call_since = c.answered_at; if (today(s, centre, c.answered_at)) row.calls_today += 1; }
    }
    if (kind === "call.closed") {
      if (p.old === "ringing" && today(s, centre, c.answered_at)) { const row = callTaker(s, c.call_taker, centre); if (row) row.calls_today += 1; }
      if (NON_INCIDENT.has(c.disposition) && today(s, centre, c.ringing_at || c.answered_at)) funnel(s, centre, c.disposition);
      callEnded(s, c.call_taker, centre, c.answered_at, c.ended_at);
    }
    if (kind === "call.reopened") {
      // a one-key classification undone (issue 23): its disposition leaves today's funnel, the call is on the line
      // again and its first ending no longer counts in the handling time
      if (NON_INCIDENT.has(p.old_disposition) && today(s, centre, c.ringing_at || c.answered_at)) funnel(s, centre, p.old_disposition, -1);
      const row = callTaker(s, c.call_taker, centre);
      if (row) {
        row.on_call_since = c.answered_at;
        if (c.answered_at && p.closed_at && today(s, centre, c.answered_at) && row.handled_ended > 0) {
          row.handled_ended -= 1;
          row.handling_total_s -= (Date.parse(p.closed_at) - Date.parse(c.answered_at)) / 1000;
          row.avg_handling_s = row.handled_ended ? row.handling_total_s / row.handled_ended : null;
        }
      }
    }
    changed.add("callTakers").add("stats");
  } else if ((kind === "incident.created" && p.call) || kind === "incident.duplicate_linked") {
    if (mine) {
      if (today(s, summary.command_centre, p.call_answered_at)) funnel(s, summary.command_centre, kind === "incident.created" ? "genuine" : "duplicate");
      callEnded(s, p.call_taker, summary.command_centre, p.call_answered_at, p.call_ended_at);
      changed.add("callTakers").add("stats");
    }
  } else if (kind.startsWith("callout.") && mine && p.callout) {
    const c = p.callout;
    // waiting = still taking acceptances (sent, or past its deadline) and short of the N needed: volunteers.selectors
    if ((c.status === "sent" || c.status === "expired") && c.accepted < c.needed) {
      s.callouts.set(c.id, {
        id: c.id, incident: ev.incident, reference: summary.reference, community: c.community_name, needed: c.needed,
        accepted: c.accepted, declined: c.declined, pending: c.pending, sent_at: c.sent_at, ack_deadline: c.ack_deadline,
        status: c.status, expired: c.status === "expired", command_centre: summary.command_centre,
      });
    } else {
      s.callouts.delete(c.id);
    }
    changed.add("callouts");
  } else if (kind === "alert.raised" && (mine || (!summary && s.centres.has(p.command_centre)))) {
    // an incident's alert, or the centre's own (no incident: the reports stopped following the timeline)
    const fresh = [];
    for (const a of p.alerts || []) {
      const row = {
        id: a.id, kind: a.kind, message: a.message, raised_at: a.raised_at, incident: ev.incident || null,
        reference: summary ? summary.reference : null,
        acknowledged: false, acknowledged_at: null, acknowledged_by: null, acknowledged_by_name: null,
        command_centre: summary ? summary.command_centre : p.command_centre,
        assignment: a.assignment, agency: p.agency || null, priority: summary ? summary.priority : null,
      };
      s.alerts.set(a.id, row);
      fresh.push(row);
    }
    changed.add("alerts");
    changed.newAlerts = fresh;
  } else if (kind === "alert.acknowledged") {
    // one alert, or every open alert of an incident at once (`alerts`; older events name only `alert`)
    for (const id of p.alerts || [p.alert]) {
      const a = s.alerts.get(id);
      if (!a) continue;
      Object.assign(a, {
        acknowledged: true, acknowledged_at: p.acknowledged_at || ev.at, acknowledged_by: p.acknowledged_by ?? ev.actor,
        acknowledged_by_name: p.acknowledged_by_name || a.acknowledged_by_name || null, note: p.note || "",
      });
      changed.add("alerts");
    }
  }
  return changed;
}
