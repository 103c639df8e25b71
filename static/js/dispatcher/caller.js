/* The caller's phone in the dispatcher's incident panel (issue 24): what the caller's phone sent — the newest fix with
 * its accuracy and age, photos and the chat — read-only and live, for an agency holding the incident. */
import { createCallerView } from "../lib/callerview.js";
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

let view = null, timeZone = "";

export function setupDetailCaller(zone) {
  timeZone = zone;
  setInterval(() => { if (view) view.tick(); }, 1000);
}

/* A fresh section for the incident the panel shows (the panel is rebuilt on every refresh). */
export function detailCallerSection(incidentId) {
  const root = el("div", { class: "caller-panel" });
  view = createCallerView({ root, timeZone, canSend: false, canAct: false });
  view.setOwner({ kind: "incident", id: Number(incidentId) });
  return el("section", { class: "detail-sec detail-caller", "aria-label": t("Ponsel penelepon") }, root);
}

export function closeDetailCaller() { view = null; }

export function detailCallerEvent(ev) { if (view) view.onEvent(ev); }
