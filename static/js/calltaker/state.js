/* What every part of the call-taker console shares: the page config, the draft and the console's state.
 *
 * Nothing lost, nothing doubled: the draft lives in localStorage (per user) with a client-generated
 * idempotency key sent as `Idempotency-Key`; it is cleared only after the server created the incident. */
import { byId, pageConfig } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { clockFormatter, pageTimeZone } from "../lib/time.js";

export const $ = byId;
export const cfg = pageConfig("ct-config");
export const root = $("ct");
// Clock times (an agency's confirmation deadline) in the centre's zone, whatever the PC's zone is.
export const clock = clockFormatter(pageTimeZone(root));
export const DRAFT_KEY = "ct-draft:" + cfg.user;
export const ROUTE_KEY = "ct-route:" + cfg.user;
export const OPEN = new Set(["new", "routed", "accepted", "dispatched", "en_route", "on_scene", "resolved"]);
export const STATUS_LABEL = {
  new: t("Baru"), routed: t("Diteruskan"), accepted: t("Diterima"), dispatched: t("Unit ditugaskan"),
  en_route: t("Unit menuju lokasi"), on_scene: t("Unit di lokasi"), resolved: t("Tertangani"),
  closed: t("Ditutup"), cancelled: t("Dibatalkan"),
};
export const ASSIGNMENT_LABEL = {
  offered: t("Ditawarkan"), accepted: t("Diterima"), declined: t("Ditolak"), expired: t("Kedaluwarsa"),
  handed_off: t("Dialihkan"), completed: t("Selesai"), cancelled: t("Dibatalkan"),
};
export const DISPOSITION_LABEL = {
  ghost: t("Panggilan kosong"), prank: t("Iseng"), info: t("Informasi / non-darurat"), misdial: t("Salah sambung"),
  genuine: t("Darurat"), duplicate: t("Duplikat"), test: t("Uji coba"), unclassified: t("Belum diklasifikasi"),
};
export const FIELD_INPUT = {
  category: "f-category", location: "f-place", description: "f-description", address: "f-address",
  caller_number: "f-number", caller_name: "f-name", priority: "f-priority",
};

export function uuid() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const b = new Uint8Array(16);
  window.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

export function metres(m) {
  if (m === null || m === undefined) return "";
  return m >= 1000 ? (m / 1000).toFixed(1).replace(".", ",") + " km" : Math.round(m) + " m";
}

export function isTextField(node) {
  if (!node) return false;
  if (node.tagName === "TEXTAREA" || node.tagName === "SELECT") return true;
  return node.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(node.type);
}

export function focus(id) {
  const node = $(id);
  if (node) { node.focus(); if (node.select && node.tagName === "INPUT") node.select(); }
}

// ───────────────────────── the console's state ─────────────────────────
export const S = {
  draft: null,
  call: cfg.activeCall, // the call this call-taker is talking on
  categories: [],
  categoryByCode: new Map(),
  centreAgencies: [],
  saving: false,
  duplicates: [],
  routing: null, // {incident, reference, agencies: [{id, name, checked, unit}], units}
  placeInfo: null,
};

// ───────────────────────── draft (survives reload) ─────────────────────────
export function newDraft(keepCall) {
  const draft = S.draft;
  return {
    key: uuid(), call: keepCall ? draft.call : null,
    caller_number: keepCall ? draft.caller_number : "", caller_name: keepCall ? draft.caller_name : "",
    category: "", category_text: "", answers: {}, priority: null, priority_touched: false,
    location: null, place_text: "", address: "", description: "", allow_outside: false,
  };
}
function loadDraft() {
  try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
}
export function saveDraft() {
  try { localStorage.setItem(DRAFT_KEY, JSON.stringify(S.draft)); } catch (e) { /* storage full: keep working */ }
}

S.draft = loadDraft() || newDraft(false);
if (!S.draft.key) S.draft.key = uuid();
if (S.call && S.draft.call && S.draft.call !== S.call.id) S.draft = newDraft(false);
if (S.call) {
  S.draft.call = S.call.id;
  if (!S.draft.caller_number) S.draft.caller_number = S.call.caller_number || "";
} else if (S.draft.call) {
  S.draft.call = null; // the call ended elsewhere; the typed incident stays as a walk-in draft
}
