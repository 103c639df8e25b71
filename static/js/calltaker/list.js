/* The centre's open incidents (right column). The one renderer of an incident row: the page embeds the
 * rows' data (json_script "ct-incidents", the same fields as the live events and the create answer) and
 * rowHtml() draws them all with one innerHTML on load; live events and the console's own actions add and
 * update rows through upsertIncident(), which draws a new row with the same rowHtml(). */
import { $, OPEN, STATUS_LABEL } from "./state.js";
import { addMarker, removeMarker } from "./map.js";
import { escapeHtml as h } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { mmss } from "../lib/time.js";

const listEl = $("open-incidents");
const template = document.createElement("template");
const CALLERS_TITLE = t("jumlah pelapor");
const TO_CONFIRM = t("Lokasi perlu dikonfirmasi");
const TO_CONFIRM_TITLE = t("Kejadian ini datang hanya dengan alamat (EIDO tanpa koordinat): tandai titiknya di peta.");

function ageText(created, now) {
  return fmt(t("%(m)s lalu"), { m: mmss(now - created) });
}

function intervalsText(created, answered, routed) {
  const parts = [];
  if (answered) parts.push(t("jawab→tiket") + " " + mmss(created - answered));
  if (routed) parts.push(t("tiket→terus") + " " + mmss(routed - created));
  else parts.push(t("belum diteruskan"));
  return parts.join(" · ");
}

/* One <li class="inc"> as HTML. `s` has the fields of an incident row (id, reference, status, priority,
 * category_name, address, caller_count, created_at, call_answered_at, routed_at, location [lon, lat]);
 * a live event may know only some of them: what is missing stays empty until an update fills it. */
export function rowHtml(s, now) {
  const created = s.created_at || new Date().toISOString();
  const answered = s.call_answered_at || "";
  const routed = s.routed_at || "";
  const status = s.status || "";
  const priority = s.priority || "";
  const [lon, lat] = s.location || ["", ""];
  const createdMs = Date.parse(created);
  return `<li class="inc p${h(priority)} st-${h(status)}" data-id="${h(s.id)}" data-status="${h(status)}" data-priority="${h(priority)}" `
    + `data-created="${h(created)}" data-answered="${h(answered)}" data-routed="${h(routed)}" data-lat="${h(lat)}" data-lon="${h(lon)}">`
    + `<span class="ref">${h(s.reference)}</span><span class="prio">${priority ? "P" + h(priority) : ""}</span>`
    + `<span class="cat">${h(s.category_name)}</span><span class="status">${h(status ? STATUS_LABEL[status] || status : "")}</span>`
    + `<span class="addr">${h(s.address)}</span>`
    + `<span class="to-confirm" title="${h(TO_CONFIRM_TITLE)}"${s.location_to_confirm ? "" : " hidden"}>${h(TO_CONFIRM)}</span>`
    + `<span class="callers" title="${h(CALLERS_TITLE)}">👥 <b>${h(s.caller_count)}</b></span>`
    + `<span class="times"><span class="t-age">${h(ageText(createdMs, now))}</span> `
    + `<span class="t-intervals">${h(intervalsText(createdMs, answered ? Date.parse(answered) : null, routed ? Date.parse(routed) : null))}</span></span></li>`;
}

/* Every open incident the page came with, in the server's order (priority, then newest first). */
export function renderRows(rows) {
  const now = Date.now();
  listEl.innerHTML = rows.map((s) => rowHtml(s, now)).join("");
  updateCount();
}

function rowFor(id) { return listEl.querySelector(`li.inc[data-id="${id}"]`); }

export function upsertIncident(s) {
  let row = rowFor(s.id);
  if (s.status && !OPEN.has(s.status)) {
    if (row) { row.remove(); removeMarker(s.id); }
    updateCount();
    return;
  }
  if (!row) {
    if (!s.reference) return; // not enough to draw a new row
    template.innerHTML = rowHtml(s, Date.now());
    row = template.content.firstElementChild;
  }
  if (s.priority) { row.dataset.priority = s.priority; row.querySelector(".prio").textContent = "P" + s.priority; }
  if (s.status) {
    row.dataset.status = s.status;
    row.querySelector(".status").textContent = STATUS_LABEL[s.status] || s.status;
    if (s.status !== "new" && !row.dataset.routed) row.dataset.routed = s.routed_at || new Date().toISOString();
  }
  if (s.routed_at && !row.dataset.routed) row.dataset.routed = s.routed_at;
  // A live event may have drawn the row first; the create answer knows when the call was answered.
  if (s.call_answered_at && !row.dataset.answered) row.dataset.answered = s.call_answered_at;
  if (s.category_name) row.querySelector(".cat").textContent = s.category_name;
  if (s.address !== undefined) row.querySelector(".addr").textContent = s.address;
  if (s.caller_count !== undefined) row.querySelector(".callers b").textContent = s.caller_count;
  if (s.location) { row.dataset.lon = s.location[0]; row.dataset.lat = s.location[1]; }
  if (s.location_to_confirm !== undefined) row.querySelector(".to-confirm").hidden = !s.location_to_confirm;
  row.className = `inc p${row.dataset.priority} st-${row.dataset.status}`;
  if (!row.parentNode) placeRow(row);
  else if (s.priority) { row.remove(); placeRow(row); }
  paintTimes(row, Date.now());
  addMarker(row);
  updateCount();
}

function placeRow(row) {
  // Priority first, newest first within a priority: the same order as the server's query.
  const p = Number(row.dataset.priority), created = Date.parse(row.dataset.created);
  for (const other of listEl.children) {
    const op = Number(other.dataset.priority), oc = Date.parse(other.dataset.created);
    if (op > p || (op === p && oc < created)) { listEl.insertBefore(row, other); return; }
  }
  listEl.append(row);
}

function updateCount() { $("open-count").textContent = listEl.children.length; }

function paintTimes(row, now) {
  const created = Date.parse(row.dataset.created);
  const answered = row.dataset.answered ? Date.parse(row.dataset.answered) : null;
  const routed = row.dataset.routed ? Date.parse(row.dataset.routed) : null;
  row.querySelector(".t-age").textContent = ageText(created, now);
  row.querySelector(".t-intervals").textContent = intervalsText(created, answered, routed);
}

export function repaintTimes() {
  const now = Date.now();
  for (const row of listEl.children) paintTimes(row, now);
}

/* Pins after the first paint: the list is what the call-taker reads first. */
export function addMarkersLater() {
  requestAnimationFrame(() => { for (const row of listEl.children) addMarker(row); });
}
