/* The call-taker console without the server (issue 26): the outbox (../lib/outbox.js) with the console's words, a call
 * started locally by F2, the incident queued with its Idempotency-Key, the kelurahan and coordinates found in the
 * browser, and what happens when the queue reaches the server.
 *
 * Online, nothing changes: requests go as before. A request that finds the server away (no answer, a timeout,
 * 502–504) — or any while the console knows it is away, or while older work still waits in the queue — is queued
 * instead, and the console goes on: the banner says "Server terputus — panggilan disimpan di komputer ini" with the
 * count. Back, the queue goes in order (the call first, then its incident naming the call's new id), and the
 * incidents sent come into the list and the tray of unrouted ones; the first one opens for routing when the
 * call-taker has nothing else in hand. */
import { $, S, cfg, DRAFT_KEY, ask, draftHasTyping, newDraft, saveDraft } from "./state.js";
import { ApiError } from "../lib/api.js";
import { looksLikeCoordinates, parseCoordinates } from "../lib/coords.js";
import { t, fmt, coords } from "../lib/i18n.js";
import { keepPageOffline, loadReference, openOutbox, serverAway } from "../lib/outbox.js";

let box = null;
let reference = null; // the centre's copy: { categories, places_fields, places, agencies }

function labels() {
  return {
    offline: t("Server terputus — panggilan disimpan di komputer ini"),
    sending: t("Mengirim panggilan yang tersimpan…"),
    back: (items) => fmt(t("Tersambung kembali — %(n)s panggilan dikirim"), { n: callsIn(items) }),
    queued: (n) => (n ? fmt(t("%(n)s dalam antrean"), { n }) : ""),
  };
}

/* How many calls the items sent were: a call started here and its incident (or close) are one call. */
function callsIn(items) {
  const calls = new Set();
  for (const item of items) {
    if (item.kind === "call") calls.add(item.ref);
    else if (item.kind === "incident") calls.add((item.body && item.body.call) || item.key);
    else if (item.kind === "close") calls.add((item.url.match(/calls\/([^/]+)\/close/) || [])[1] || item.url);
  }
  return calls.size;
}

export function initOffline() {
  box = openOutbox({
    queue: "calltaker:" + cfg.user,
    labels: labels(),
    onSent,
    onRefused,
    onState: (online) => { if (online) refreshReference(); },
  });
  keepPageOffline();
  refreshReference();
  return box;
}

async function refreshReference() {
  if (!cfg.api.offlineReference) return; // an admin of no centre: no centre's copy to keep
  const data = await loadReference(box, cfg.api.offlineReference);
  if (data) { reference = data; document.documentElement.dataset.offlineReference = "1"; }
}

export const offlineNow = () => !!box && !box.online;
/* A request found the server away (its status), or the live socket went down (no status: the heartbeat decides —
 * the socket may be down while the API answers, with Redis away). */
export const serverLost = (status) => { if (!box) return; if (status === undefined) box.ping(); else box.failed(status); };

/* Send now if the server is there and nothing older waits; otherwise queue. Answers { queued, data }; throws
 * ApiError when the server refused (its rules decided: a 4xx). */
export async function sendOrQueue({ kind, method = "POST", url, body = {}, key, ref, label }) {
  const entry = { kind, method, url, body, key, ref, label };
  // Older work waits (in order), or this names a call the server does not know yet: behind the queue.
  const namesLocal = /local:/.test(url) || JSON.stringify(body).includes('"local:');
  const mustQueue = !box.online || box.pending > 0 || namesLocal;
  if (mustQueue) { await box.add(entry); return { queued: true }; }
  const res = await box.send(method, url, body, { key });
  if (res.ok) return { queued: false, data: res.data };
  if (serverAway(res.status)) { await box.add(entry); return { queued: true }; }
  throw new ApiError(res.status, res.error, false);
}

/* F2 with the server away: a call of this computer, with a key the server will know it by. */
export async function startLocalCall({ caller_number = "", caller_name = "" } = {}) {
  const id = box.localId();
  const answered_at = new Date().toISOString();
  await box.add({
    kind: "call", method: "POST", url: cfg.api.callStart, key: id.slice("local:".length), ref: id,
    body: { caller_number, caller_name, answered_at }, label: caller_number,
  });
  return { id, local: true, caller_number, caller_name, answered_at, device_location: null, device_accuracy_m: null };
}

/* The incident form, checked as far as the browser can while the server is away. */
export function checkOffline(draft) {
  const errors = {};
  if (!draft.category || !S.categoryByCode.has(draft.category)) errors.category = [t("Pilih jenis kejadian dari daftar.")];
  if (!draft.location) errors.location = [t("Tentukan lokasi: kelurahan, tengara, koordinat, atau klik di peta.")];
  if (!(draft.caller_number || "").trim() && !(S.call && S.call.caller_number)) errors.caller_number = [t("Nomor penelepon wajib diisi.")];
  return Object.keys(errors).length ? errors : null;
}

// ───────────────────────── places without the server ─────────────────────────
const fold = (s) => (s || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
const KIND_DETAIL = { village: () => t("Kelurahan/Desa"), district: () => t("Kecamatan"), landmark: () => t("Tengara") };

/* The answer of GET /api/v1/places/?q= (same shape), from the coordinates typed and the reference copy. */
export function searchOffline(text) {
  const q = (text || "").trim();
  const answer = { query: q, coordinates: null, coordinates_error: null, results: [] };
  if (looksLikeCoordinates(q)) {
    try {
      const c = parseCoordinates(q);
      // Indonesia's box, as agencies.geo.in_indonesia says it more exactly on the server
      const inside = c.lat >= -11.2 && c.lat <= 6.3 && c.lon >= 94.7 && c.lon <= 141.1;
      answer.coordinates = { lat: c.lat, lon: c.lon, accuracy_m: c.precision_m, format: c.format, in_indonesia: inside };
    } catch (err) {
      answer.coordinates_error = err.message;
    }
    return answer;
  }
  if (q.length < 2 || !reference) return answer;
  const needle = fold(q);
  const fields = reference.places_fields;
  const rows = [];
  for (const row of reference.places) {
    const p = Object.fromEntries(fields.map((f, i) => [f, row[i]]));
    const name = fold(p.name);
    if (!name.includes(needle)) continue;
    const starts = name.startsWith(needle) ? 0 : 1;
    const rank = p.kind === "landmark" ? 0 : p.kind === "village" ? 1 : 2;
    const kindLabel = KIND_DETAIL[p.kind] ? KIND_DETAIL[p.kind]() : "";
    rows.push([starts, rank, p.name.length, {
      kind: p.kind, id: null, code: p.code, name: p.name, lat: p.lat, lon: p.lon, accuracy_m: p.accuracy_m,
      detail: p.kind === "landmark" ? kindLabel : p.detail ? `${kindLabel}, ${p.detail}` : kindLabel,
    }]);
  }
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  answer.results = rows.slice(0, 10).map((r) => r[3]);
  return answer;
}

// ───────────────────────── the queue reaches the server ─────────────────────────
function onSent(item, res) {
  const data = res.data || {};
  if (item.kind === "call") {
    // The call in hand was this one: from now on it has the server's id (its incident, its close name it).
    if (S.call && S.call.id === item.ref) {
      S.call.id = data.id;
      S.call.local = false;
      if (S.draft.call === item.ref) S.draft.call = data.id;
      delete S.draft.local_call;
      saveDraft();
      ask("renderCall");
    }
    return;
  }
  if (item.kind === "incident") {
    ask("upsertIncident", {
      id: data.id, reference: data.reference, status: data.status, priority: data.priority, category_name: data.category_name,
      address: data.address, caller_count: data.caller_count, created_at: data.created_at, village: data.village,
      location: data.location ? data.location.coordinates : null, call_answered_at: data.call_answered_at,
      created_by: cfg.user,
    });
    ask("flushList");
    // Routing as usual: at once when nothing else is in hand; otherwise from the tray of unrouted incidents.
    if (!S.call && !S.routing && !draftHasTyping()) {
      ask("openRouting", {
        incident: data.id, reference: data.reference, category: data.category,
        proposed: data.proposed_agencies || [], units: data.nearest_units || [],
      });
    }
  }
}

function onRefused(item, res) {
  const message = (res.error && res.error.message) || fmt(t("Server menolak permintaan (%(status)s)."), { status: res.status });
  if (item.kind === "incident") {
    // Nothing typed is lost: the incident comes back to the form when it is empty, else it stays in this message.
    const body = item.body || {};
    if (!S.call && !draftHasTyping()) {
      const draft = newDraft(false);
      Object.assign(draft, {
        key: item.key, category: body.category || "", caller_number: body.caller_number || "", caller_name: body.caller_name || "",
        address: body.address || "", description: body.description || "", answers: body.answers || {},
        location: body.location ? { lat: body.location.coordinates[1], lon: body.location.coordinates[0], accuracy_m: body.location_accuracy_m, source: body.location_source || "map" } : null,
        place_text: body.location ? coords(body.location.coordinates[1], body.location.coordinates[0]) : "",
        allow_outside: !!body.allow_outside_service_area,
      });
      S.draft = draft;
      saveDraft();
      ask("fillForm");
      ask("callMessage", fmt(t("Kejadian dari antrean ditolak server: %(m)s — isiannya kembali di formulir."), { m: message }), "error");
    } else {
      ask("callMessage", fmt(t("Kejadian dari antrean ditolak server: %(m)s (%(a)s)"), { m: message, a: body.address || body.caller_number || "" }), "error");
    }
    return;
  }
  ask("callMessage", fmt(t("Permintaan dari antrean ditolak server: %(m)s"), { m: message }), "error");
}

/* After the queue took the incident: the form is free for the next call. */
export function onQueuedIncident() {
  ask("endCallLocally", t("Kejadian disimpan di komputer ini — dikirim otomatis saat server tersambung kembali."));
  localStorage.removeItem(DRAFT_KEY);
  S.draft = newDraft(false);
  ask("fillForm");
  $("btn-new-call").focus();
}
