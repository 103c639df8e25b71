/* What every part of the call-taker console shares: the page config, the draft, the console's state, and the hooks
 * through which the panels reach each other.
 *
 * Nothing lost, nothing doubled: the draft lives in localStorage (per user) with a client-generated
 * idempotency key sent as `Idempotency-Key`; it is cleared only after the server created the incident.
 *
 * One direction: main.js imports the panels, a panel imports only this module and ../lib — never another panel
 * (tests/core/test_js_imports.py). What a panel needs from another it asks for by name (`ask("fillForm")`), and
 * main.js provides the names (`provide({...})`) when it wires the console; a new panel is one module main imports. */
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
// incidents.models.IncidentCategory.UNCLASSIFIED: an EIDO transfer that arrived without an incident type (issue 23)
export const UNCLASSIFIED = "perlu-diklasifikasi";
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
  caller_number: "f-number", caller_name: "f-name", priority: "f-priority", village: "f-place",
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

export { debounce } from "../lib/debounce.js";

// ───────────────────────── hooks between panels ─────────────────────────
const hooks = new Map();

/* main.js: what each name does ({ fillForm, openRouting, … }). */
export function provide(handlers) {
  for (const [name, fn] of Object.entries(handlers)) hooks.set(name, fn);
}

/* A panel: run what main.js provided under `name`. A name nobody provided is a wiring mistake, said loudly. */
export function ask(name, ...args) {
  const fn = hooks.get(name);
  if (!fn) throw new Error(`call-taker console: nothing provides "${name}"`);
  return fn(...args);
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

// ───────────────────────── errors next to fields ─────────────────────────
export function showFieldError(field, message) {
  const box = document.querySelector(`.field-error[data-for="${field}"]`);
  if (box) {
    box.textContent = message;
    const input = $(FIELD_INPUT[field]);
    if (input) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", box.id || ""); }
    return true;
  }
  return false;
}

export function clearFieldError(field) {
  const box = document.querySelector(`.field-error[data-for="${field}"]`);
  if (box) box.textContent = "";
  const input = $(FIELD_INPUT[field]);
  if (input) input.removeAttribute("aria-invalid");
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
    location: null, place_text: "", village: null, address: "", description: "", allow_outside: false,
  };
}

/* Has the call-taker typed anything into the form for this call (name, category, place, address, description,
 * answers)? Then closing the call discards work: it asks first (call.js). What the PBX or the call brought (the
 * number, a known name) does not count. */
export function draftHasTyping() {
  const d = S.draft;
  const call = S.call || {};
  return Boolean(
    (d.caller_name && d.caller_name !== (call.caller_name || "")) ||
    (d.caller_number && call.id && d.caller_number !== (call.caller_number || "")) ||
    d.category || (d.category_text || "").trim() || d.location || (d.place_text || "").trim() ||
    (d.address || "").trim() || (d.description || "").trim() || Object.keys(d.answers || {}).length,
  );
}
function loadDraft() {
  try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
}
export function saveDraft() {
  try { localStorage.setItem(DRAFT_KEY, JSON.stringify(S.draft)); } catch (e) { /* storage full: keep working */ }
}

S.draft = loadDraft() || newDraft(false);
if (!S.draft.key) S.draft.key = uuid();
// The Service Worker's copy of the page (the server away, issue 26): its call in hand is as it was when the copy was
// taken; the draft knows better.
if (document.documentElement.dataset.offlineCopy === "1") S.call = null;
if (S.call && S.call.client_key && S.draft.local_call && S.draft.local_call.id === "local:" + S.call.client_key) {
  S.draft.call = S.call.id; // the queue sent this computer's call (another tab, before a reload): same call, same draft
}
if (!S.call && S.draft.local_call && S.draft.call === S.draft.local_call.id) {
  S.call = S.draft.local_call; // a call of this computer, not yet on the server (calltaker/offline.js)
} else {
  delete S.draft.local_call;
}
if (S.call && S.draft.call && S.draft.call !== S.call.id) S.draft = newDraft(false);
if (S.call) {
  S.draft.call = S.call.id;
  if (!S.draft.caller_number) S.draft.caller_number = S.call.caller_number || "";
} else if (S.draft.call) {
  S.draft.call = null; // the call ended elsewhere; the typed incident stays as a walk-in draft
}
