/* The centre's open incidents (right column), kept as data and drawn as a window of rows.
 *
 * The page embeds every open incident (json_script "ct-incidents", the fields of the live events' incident plus
 * created_by, agencies, unrouted_since); live events and the console's own actions change them through
 * upsertIncident(). The list is sorted by what needs attention — nobody holding it first (never routed, or
 * every agency declined / let it expire), then priority, then the longest waiting — and filtered (mine, unrouted,
 * priority, status, agency, kelurahan). The call-taker's own unrouted ones are also pinned in the tray above it
 * (tray.js reads them through unroutedOf after every redraw). Only the rows in view are in the DOM (fixed row height, spacers above and below),
 * so thousands of incidents cost one screenful of nodes; the counter counts the data, which is what the server
 * counts (incidents.consoles.calltaker). rowHtml() is the one renderer of a row. */
import { $, OPEN, STATUS_LABEL, ask, cfg } from "./state.js";
import { apiResult, url } from "../lib/api.js";
import { escapeHtml as h } from "../lib/dom.js";
import { t, fmt, num } from "../lib/i18n.js";
import { priorityBadgeHtml } from "../lib/priority.js";
import { tone } from "../lib/sound.js";
import { mmss } from "../lib/time.js";

const listEl = $("open-incidents");
const CALLERS_TITLE = t("jumlah pelapor");
const TO_CONFIRM = t("Lokasi perlu dikonfirmasi");
const TO_CONFIRM_TITLE = t("Kejadian ini datang hanya dengan alamat (EIDO tanpa koordinat): tandai titiknya di peta.");
const FLAG_NEVER = t("Belum diteruskan");
const FLAG_LEFT = t("Tanpa instansi — teruskan ulang");
const OVERSCAN = 8;
// Minutes without anyone holding it → how loud the row is (a 20-minute-old unrouted call must not look calm).
const AGE_STEPS = [[15, "age-3"], [5, "age-2"], [1, "age-1"]];
const LIVE_ASSIGNMENT = new Set(["offered", "accepted"]);
const CLOSE_LABEL = t("Tutup");
const CLOSE_TITLE = t("Tutup kejadian tertangani (Alt+U)");

const records = new Map(); // id → the incident's row data
let view = []; // records after filters, in attention order
let pitch = 0; // px from one row's top to the next (measured once)
let dirty = false;
const filters = { mine: false, unrouted: false, priority: "", status: "", agency: "", village: "" };
const villageNames = cfg.villages || {}; // Kemendagri code → name, the centre's kelurahan/desa
let villageOptions = ""; // the filter's choices as last drawn (codes and counts)
const alerted = new Set(); // "id@unrouted_since": the sound plays once per time an incident is left
const centreIds = cfg.centreIds ? new Set(cfg.centreIds) : null;

export const isUnrouted = (s) => s.status === "new";
// Left by every agency: said explicitly (the page's unrouted_since, or a status_changed → new event), never inferred
// from a stale event that still says "new" after the console's own routing.
const leftByAll = (s) => isUnrouted(s) && !!s.routed_at && !!s.unrouted_since;
const waitingSince = (s) => Date.parse((leftByAll(s) && s.unrouted_since) || s.created_at);

function ageClass(s, now) {
  if (!isUnrouted(s)) return "";
  const minutes = (now - waitingSince(s)) / 60000;
  for (const [limit, cls] of AGE_STEPS) if (minutes >= limit) return cls;
  return "age-0";
}

function intervalsText(s) {
  const created = Date.parse(s.created_at);
  const parts = [];
  if (s.call_answered_at) parts.push(t("jawab→tiket") + " " + mmss(created - Date.parse(s.call_answered_at)));
  if (s.routed_at) parts.push(t("tiket→terus") + " " + mmss(Date.parse(s.routed_at) - created));
  else parts.push(t("belum diteruskan"));
  return parts.join(" · ");
}

/* One <li class="inc"> as HTML from a row's data; a field a live event did not carry stays empty. */
export function rowHtml(s, now) {
  const status = s.status || "";
  const priority = s.priority || "";
  const unrouted = isUnrouted(s);
  const flag = unrouted ? (leftByAll(s) ? FLAG_LEFT : FLAG_NEVER) : "";
  const age = unrouted ? fmt(t("%(m)s tanpa instansi"), { m: mmss(now - waitingSince(s)) }) : fmt(t("%(m)s lalu"), { m: mmss(now - Date.parse(s.created_at)) });
  const cls = `inc p${h(priority)} st-${h(status)}${unrouted ? " unrouted " + ageClass(s, now) : ""}${leftByAll(s) ? " left" : ""}`;
  // The kelurahan, unless the address already names it (a kelurahan picked becomes the address's first words).
  const village = villageNames[s.village] || "";
  const showVillage = village && !(s.address || "").toLowerCase().includes(village.toLowerCase());
  return `<li class="${cls}" data-id="${h(s.id)}" data-status="${h(status)}" data-priority="${h(priority)}" data-village="${h(s.village || "")}">`
    + `<span class="l1"><span class="ref">${h(s.reference)}</span> ${priorityBadgeHtml(priority)} `
    + `<span class="cat">${h(s.category_name)}</span></span>`
    // Nobody holds it: the flag takes the status's place ("Baru" would say less).
    + `<span class="l2">${flag ? `<span class="flag">${h(flag)}</span>` : `<span class="status">${h(status ? STATUS_LABEL[status] || status : "")}</span>`}`
    // every agency finished: the centre closes the ticket (out of the Tab order; Alt+U from the keyboard)
    + (status === "resolved" ? ` <button type="button" class="close-inc" tabindex="-1" data-close-incident="${h(s.id)}" title="${h(CLOSE_TITLE)}">${h(CLOSE_LABEL)}</button>` : "")
    + `<span class="to-confirm" title="${h(TO_CONFIRM_TITLE)}"${s.location_to_confirm ? "" : " hidden"}> · ${h(TO_CONFIRM)}</span>`
    + `${showVillage ? ` · <span class="vil">${h(t("Kel.") + " " + village)}</span>` : ""}`
    + `${s.address ? " · " : ""}<span class="addr">${h(s.address)}</span></span>`
    + `<span class="l3"><span class="callers" title="${h(CALLERS_TITLE)}"><svg class="icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">`
    + `<circle cx="5.5" cy="5" r="2.5"/><circle cx="11" cy="5.5" r="2"/><path d="M1 14c0-3 2-4.5 4.5-4.5S10 11 10 14zM10.5 14c0-1.6-.4-2.8-1.2-3.7.6-.4 1.1-.6 1.7-.6 2 0 4 1.2 4 4.3z"/></svg>`
    + ` <b>${h(s.caller_count)}</b></span><span class="times"><span class="t-age">${h(age)}</span> · `
    + `<span class="t-intervals">${h(intervalsText(s))}</span></span></span></li>`;
}

// ───────────────────────── data ─────────────────────────
/* Every open incident the page came with. */
export function renderRows(rows) {
  for (const s of rows) records.set(String(s.id), { ...s, agencies: new Set(s.agencies || []) });
  listEl.addEventListener("scroll", () => requestAnimationFrame(drawWindow), { passive: true });
  window.addEventListener("resize", () => requestAnimationFrame(drawWindow));
  initFilters();
  initClosing();
  refresh();
}

/* A live event, the create answer or the console's own routing changed an incident. Idempotent: the replay of an
 * event already applied changes nothing. */
export function upsertIncident(s) {
  const id = String(s.id);
  let r = records.get(id);
  if (s.command_centre && centreIds && !centreIds.has(s.command_centre)) return; // another centre's, heard via an agency
  if (s.status && !OPEN.has(s.status)) {
    if (r) { records.delete(id); ask("removeMarker", id); schedule(); }
    return;
  }
  if (!r) {
    if (!s.reference) return; // not enough to draw a new row
    r = { id: s.id, agencies: new Set(), created_at: s.created_at || new Date().toISOString() };
    records.set(id, r);
  }
  const wasLeft = leftByAll(r);
  for (const key of ["reference", "status", "priority", "category_name", "address", "caller_count", "location_to_confirm", "created_by"]) {
    if (s[key] !== undefined && s[key] !== null) r[key] = s[key];
  }
  // the kelurahan may be cleared (a pin moved out of it): an event's null counts, a missing key does not
  if (s.village !== undefined) r.village = s.village;
  if (s.location) r.location = s.location;
  for (const key of ["routed_at", "call_answered_at", "unrouted_since"]) if (s[key] && !r[key]) r[key] = s[key];
  if (r.status && r.status !== "new") { r.unrouted_since = null; if (!r.routed_at) r.routed_at = new Date().toISOString(); }
  if (!wasLeft && leftByAll(r)) {
    const key = `${id}@${r.unrouted_since}`;
    if (!alerted.has(key)) {
      alerted.add(key);
      tone();
      document.documentElement.dataset.ctUnroutedSounds = String(Number(document.documentElement.dataset.ctUnroutedSounds || 0) + 1);
    }
  }
  ask("addMarker", r);
  schedule();
}

/* assignment.* events: which agencies hold the incident (the agency filter). */
export function noteAssignment(incidentId, agency, status) {
  const r = records.get(String(incidentId));
  if (!r || !agency) return;
  if (LIVE_ASSIGNMENT.has(status)) r.agencies.add(agency);
  else r.agencies.delete(agency);
  schedule();
}

export function recordOf(id) { return records.get(String(id)) || null; }

/* The user's own incidents nobody holds, the longest waiting first, with since when (the tray above the list). */
export function unroutedOf(userId) {
  const out = [];
  for (const r of records.values()) {
    if (isUnrouted(r) && r.created_by === userId) out.push({ ...r, since: waitingSince(r), left: leftByAll(r) });
  }
  return out.sort((a, b) => a.since - b.since || a.id - b.id);
}

/* The tray's "show all": the list filtered to the user's own unrouted incidents. */
export function showMineUnrouted() {
  filters.mine = true;
  filters.unrouted = true;
  $("flt-mine").setAttribute("aria-pressed", "true");
  $("flt-unrouted").setAttribute("aria-pressed", "true");
  listEl.scrollTop = 0;
  refresh();
}

// ───────────────────────── order and filters ─────────────────────────
function attentionOrder(a, b) {
  const ua = isUnrouted(a) ? 0 : 1, ub = isUnrouted(b) ? 0 : 1;
  if (ua !== ub) return ua - ub;
  if (a.priority !== b.priority) return (a.priority || 9) - (b.priority || 9);
  return waitingSince(a) - waitingSince(b) || a.id - b.id; // the longest waiting first
}

function passes(r) {
  if (filters.mine && r.created_by !== cfg.user) return false;
  if (filters.unrouted && !isUnrouted(r)) return false;
  if (filters.priority && String(r.priority) !== filters.priority) return false;
  if (filters.status && r.status !== filters.status) return false;
  if (filters.agency && !r.agencies.has(Number(filters.agency))) return false;
  if (filters.village && r.village !== filters.village) return false;
  return true;
}

function schedule() {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(refresh);
}

/* Draw now rather than in the next frame: after the console's own action the row must already say so. */
export function flushList() { if (dirty) refresh(); }

function refresh() {
  dirty = false;
  const all = [...records.values()];
  view = all.filter(passes).sort(attentionOrder);
  const unrouted = all.filter(isUnrouted).length;
  $("open-count").textContent = num(records.size);
  $("open-count").dataset.count = String(records.size);
  const shown = $("shown-count");
  shown.hidden = view.length === records.size;
  shown.textContent = fmt(t("%(n)s ditampilkan"), { n: num(view.length) });
  $("unrouted-count").textContent = unrouted ? num(unrouted) : "";
  fillVillageFilter(all);
  drawWindow();
  ask("listChanged");
}

/* The kelurahan filter's choices: those of the open incidents, by name, with how many each has. */
function fillVillageFilter(all) {
  const counts = new Map();
  for (const r of all) if (r.village && villageNames[r.village]) counts.set(r.village, (counts.get(r.village) || 0) + 1);
  const codes = [...counts.keys()].sort((a, b) => villageNames[a].localeCompare(villageNames[b], "id"));
  const key = codes.map((c) => c + ":" + counts.get(c)).join("|") + "|" + filters.village;
  if (key === villageOptions) return;
  villageOptions = key;
  const select = $("flt-village");
  const first = select.options[0];
  const chosen = filters.village;
  select.replaceChildren(first, ...codes.map((code) => {
    const option = document.createElement("option");
    option.value = code;
    option.textContent = `${villageNames[code]} (${num(counts.get(code))})`;
    return option;
  }));
  // a kelurahan chosen whose last incident closed stays chosen (an empty list says so) until the call-taker changes it
  if (chosen && !counts.has(chosen)) {
    const option = document.createElement("option");
    option.value = chosen;
    option.textContent = `${villageNames[chosen] || chosen} (0)`;
    select.append(option);
  }
  select.value = chosen;
  select.hidden = codes.length === 0 && !chosen;
}

function drawWindow() {
  const now = Date.now();
  if (!pitch && view.length) {
    listEl.innerHTML = rowHtml(view[0], now) + rowHtml(view[0], now);
    const [a, b] = listEl.children;
    pitch = b.getBoundingClientRect().top - a.getBoundingClientRect().top || 64;
  }
  const height = listEl.clientHeight || window.innerHeight;
  const first = Math.max(0, Math.floor(listEl.scrollTop / (pitch || 64)) - OVERSCAN);
  const last = Math.min(view.length, first + Math.ceil(height / (pitch || 64)) + 2 * OVERSCAN);
  listEl.style.paddingTop = `${first * pitch}px`;
  listEl.style.paddingBottom = `${(view.length - last) * pitch}px`;
  let html = "";
  for (let i = first; i < last; i++) html += rowHtml(view[i], now);
  listEl.innerHTML = html;
  listEl.dataset.first = String(first);
}

export function repaintTimes() { drawWindow(); }

function initFilters() {
  const toggle = (id, key) => $(id).addEventListener("click", (e) => {
    filters[key] = !filters[key];
    e.currentTarget.setAttribute("aria-pressed", String(filters[key]));
    listEl.scrollTop = 0;
    refresh();
  });
  toggle("flt-mine", "mine");
  toggle("flt-unrouted", "unrouted");
  for (const key of ["priority", "status", "agency", "village"]) {
    $(`flt-${key}`).addEventListener("change", (e) => { filters[key] = e.target.value; listEl.scrollTop = 0; refresh(); });
  }
}

/* The agency filter's choices: the centre's agencies (they arrive with the reference data). */
export function fillAgencyFilter(agencies) {
  const select = $("flt-agency");
  for (const a of agencies) {
    const option = document.createElement("option");
    option.value = a.id;
    option.textContent = a.short_name || a.name;
    select.append(option);
  }
}

/* A click (or Enter) on a row: the incident's id, for routing it again. */
export function onRowChosen(handler) {
  const choose = (row) => row && handler(row.dataset.id);
  listEl.addEventListener("click", (e) => choose(e.target.closest("li.inc")));
}

/* Pins after the first paint: the list is what the call-taker reads first. */
export function addMarkersLater() {
  requestAnimationFrame(() => { for (const r of records.values()) ask("addMarker", r); });
}

// ───────────────────────── closing resolved incidents ─────────────────────────
/* "Tertangani" (every agency finished): the call-taker closes the ticket with one key and an optional note — Alt+U,
 * or the row's "Tutup" button — in a dialog that names the incident (Enter closes, Esc leaves it open). The centre's
 * auto-close does the same after its minutes. The live incident.status_changed event then removes the row. */
let closeDialog = null;

function buildCloseDialog() {
  const dialog = document.createElement("dialog");
  dialog.id = "close-dialog";
  dialog.className = "ct-close-dialog";
  dialog.setAttribute("aria-labelledby", "close-title");
  dialog.innerHTML = `<form method="dialog">
      <h3 id="close-title">${h(t("Tutup kejadian tertangani"))}</h3>
      <label for="close-which">${h(t("Kejadian"))}</label>
      <select id="close-which"></select>
      <label for="close-note">${h(t("Catatan penutupan (boleh kosong)"))}</label>
      <input id="close-note" maxlength="2000" autocomplete="off">
      <p class="field-error" role="alert"></p>
      <menu><button type="button" data-cancel>${h(t("Batal (Esc)"))}</button>
        <button type="submit" class="primary">${h(t("Tutup kejadian (Enter)"))}</button></menu></form>`;
  document.body.append(dialog);
  dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
  dialog.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const id = dialog.querySelector("#close-which").value;
    const error = dialog.querySelector(".field-error");
    const submit = dialog.querySelector("button[type=submit]");
    error.textContent = "";
    submit.disabled = true;
    const res = await apiResult("POST", url("/api/v1/incidents/{id}/close/", id), { note: dialog.querySelector("#close-note").value });
    submit.disabled = false;
    if (!res.ok) {
      error.textContent = [].concat((res.error.fields || {}).note || []).join(" ") || res.error.message;
      return;
    }
    dialog.close();
    upsertIncident({ id: Number(id), status: "closed" });
  });
  return dialog;
}

function askClose(id) {
  const resolved = [...records.values()].filter((r) => r.status === "resolved").sort(attentionOrder);
  if (!resolved.length) return;
  closeDialog = closeDialog || buildCloseDialog();
  const which = closeDialog.querySelector("#close-which");
  which.innerHTML = resolved.map((r) => `<option value="${h(r.id)}">${h(r.reference)} · ${h(r.category_name || "")}${r.address ? " · " + h(r.address) : ""}</option>`).join("");
  which.value = String(id || resolved[0].id);
  closeDialog.querySelector("#close-note").value = "";
  closeDialog.querySelector(".field-error").textContent = "";
  closeDialog.showModal();
  closeDialog.querySelector("#close-note").focus();
}

function initClosing() {
  listEl.addEventListener("click", (e) => {
    const button = e.target.closest("[data-close-incident]");
    if (button) { e.stopPropagation(); askClose(button.dataset.closeIncident); }
  });
  document.addEventListener("keydown", (e) => {
    if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyU") { e.preventDefault(); askClose(null); }
  });
}
