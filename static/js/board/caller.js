/* The caller's phone in the board's drill-down (issue 24): the link, the fixes with accuracy and age, photos and the
 * chat of the incident on screen, live. A supervisor texts the link, adopts a fix and replies (the same endpoints as
 * the call-taker console); an official only reads. */
import { createCallerView } from "../lib/callerview.js";
import { byId } from "../lib/dom.js";

let view = null;

export function setupDrillCaller(cfg, timeZone) {
  const root = byId("drill-caller");
  if (!root) return;
  view = createCallerView({ root, timeZone, canSend: !!cfg.canAct, canAct: !!cfg.canAct });
  setInterval(() => view.tick(), 1000);
}

export function openDrillCaller(incidentId) { if (view) view.setOwner(incidentId ? { kind: "incident", id: Number(incidentId) } : null); }

export function drillCallerEvent(ev) { if (view) view.onEvent(ev); }
