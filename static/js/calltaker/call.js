/* The call panel: answering (F2), the call timer, the caller's device location (AML), closing a non-emergency with
 * one key — and undoing it (Ctrl+Z for 10 s) — the caller's history, and the ringing calls pushed by the PBX.
 *
 * A disposition cannot be hit by accident: its buttons are out of the Tab order and ignore Space/Enter (only the
 * pointer or its Alt+key presses them), and when anything was typed for the call it asks first (Enter / Esc). Every
 * disposition can be undone for 10 s: POST /api/v1/calls/{id}/reopen/ puts the call back in progress and the form
 * back as it was (number, name, everything typed). */
import { $, S, cfg, DISPOSITION_LABEL, STATUS_LABEL, ask, debounce, draftHasTyping, focus, metres, newDraft, saveDraft } from "./state.js";
import { api } from "../lib/api.js";
import { confirmInPlace, pointerOnly } from "../lib/confirm.js";
import { el } from "../lib/dom.js";
import { t, fmt, coords } from "../lib/i18n.js";
import { mmss } from "../lib/time.js";

const UNDO_MS = 10_000;
const timerEl = $("call-timer");
const callStateEl = $("call-state");
let undo = null; // { callId, disposition, wasCurrent, draft, focusId, until, timer }

export function renderCall() {
  const call = S.call;
  const panel = $("call-panel");
  panel.classList.toggle("idle", !call);
  panel.classList.toggle("active", !!call);
  callStateEl.textContent = !call ? t("Tidak ada panggilan")
    : call.local ? t("Panggilan aktif (tersimpan di komputer ini)") : fmt(t("Panggilan #%(id)s aktif"), { id: call.id });
  tickTimer();
  const aml = $("aml");
  if (call && call.device_location) {
    const [lon, lat] = call.device_location;
    aml.hidden = false;
    aml.replaceChildren(
      el("span", {}, t("Lokasi perangkat (AML)"), ": ", coords(lat, lon), call.device_accuracy_m ? " ±" + metres(call.device_accuracy_m) : ""),
      " ",
      el("button", { type: "button", onclick: () => ask("useAml") }, t("Pakai"), " ", el("kbd", {}, "Alt+H")),
    );
    ask("showAml", lat, lon, call.device_accuracy_m);
  } else {
    aml.hidden = true;
    ask("hideAml");
  }
}

export function tickTimer() {
  const call = S.call;
  if (call && call.answered_at) timerEl.textContent = mmss(Date.now() - Date.parse(call.answered_at));
  else if (!call) timerEl.textContent = timerEl.dataset.final || "00:00";
  tickUndo();
}

export function callMessage(text, kind) {
  const m = $("call-message");
  m.textContent = text;
  m.className = "call-message " + (kind || "");
}

function firstRinging() {
  return document.querySelector("#ringing .ringing-call");
}

/* F2: the ringing call (or a new one). The routing panel may hold an incident nobody has been offered yet: then the
 * first F2 only says so (routing.js), the second goes on — the incident stays in the tray of unrouted ones. */
export async function answerOrNew() {
  if (S.call) { focus(S.draft.category ? "f-place" : "f-category"); return; }
  if (ask("routingHoldsUnrouted", "F2")) return;
  const ringing = firstRinging();
  const who = { caller_number: S.draft.caller_number || "", caller_name: S.draft.caller_name || "" };
  // The server is away (issue 26): the call is this computer's until the server is back (calltaker/offline.js).
  if (ask("offlineNow")) { await startLocal(who); return; }
  try {
    let data;
    if (ringing) {
      data = await api("POST", `${cfg.api.calls}${ringing.dataset.callId}/claim/`, {});
      ringing.remove();
    } else {
      data = await api("POST", cfg.api.callStart, who);
    }
    startCall(data);
    focus(data.caller_number ? "f-category" : "f-number");
  } catch (err) {
    if (err.retryable) { ask("serverLost", err.status); await startLocal(who); return; }
    if (ringing && err.status === 409) ringing.remove();
    callMessage(err.error.message, "error");
  }
}

async function startLocal(who) {
  const data = await ask("startLocalCall", who);
  startCall(data);
  callMessage(t("Server terputus: panggilan dicatat di komputer ini dan dikirim saat tersambung kembali."), "warn");
  focus(data.caller_number ? "f-category" : "f-number");
}

function callFrom(data) {
  return {
    id: data.id, local: !!data.local, caller_number: data.caller_number, caller_name: data.caller_name, answered_at: data.answered_at,
    device_location: data.device_location ? data.device_location.coordinates : null, device_accuracy_m: data.device_accuracy_m,
  };
}

function startCall(data, { keepRouting = false } = {}) {
  const call = S.call = callFrom(data);
  const draft = S.draft;
  delete timerEl.dataset.final;
  dropUndo(); // a new call in hand: the last one's undo is withdrawn
  if (!keepRouting) ask("clearRouting"); // the last incident's routing leaves the screen; its outcome stays in the list
  draft.call = call.id;
  // A call of this computer (the server away) survives a reload in the draft (state.js)
  if (call.local) draft.local_call = call; else delete draft.local_call;
  if (data.caller_number) draft.caller_number = data.caller_number;
  if (data.caller_name && !draft.caller_name) draft.caller_name = data.caller_name;
  $("f-number").value = draft.caller_number;
  $("f-name").value = draft.caller_name;
  saveDraft();
  callMessage("");
  renderCall();
  if (data.caller_history) renderHistory(data.caller_history);
  else if (draft.caller_number) loadHistory();
  ask("refreshDuplicates");
}

export function endCallLocally(message) {
  if (S.call && S.call.answered_at) timerEl.dataset.final = mmss(Date.now() - Date.parse(S.call.answered_at));
  S.call = null;
  renderCall();
  if (message) callMessage(message, "ok");
}

// ───────────────────────── dispositions and their undo ─────────────────────────
let closing = false;

export async function closeAs(disposition) {
  if (closing) return;
  const target = S.call ? S.call.id : (firstRinging() && firstRinging().dataset.callId);
  if (!target) { callMessage(t("Tidak ada panggilan untuk ditutup."), "error"); return; }
  const wasCurrent = !!S.call && String(S.call.id) === String(target);
  const label = DISPOSITION_LABEL[disposition] || disposition;
  closing = true;
  try {
    if (wasCurrent && draftHasTyping()) {
      const sure = await confirmInPlace({
        host: $("call-panel"),
        message: fmt(t("Tutup panggilan sebagai %(d)s? Yang sudah diketik akan dikosongkan."), { d: label }),
        confirmLabel: t("Tutup"), cancelLabel: t("Batal"),
      });
      if (!sure) { callMessage(t("Panggilan tidak ditutup."), ""); return; }
    }
    const snapshot = { draft: JSON.parse(JSON.stringify(S.draft)), focusId: document.activeElement && document.activeElement.id };
    let queued = false;
    try {
      // The server away, or the call still only on this computer: the close waits in the queue behind the call.
      queued = (await ask("sendOrQueue", { kind: "close", url: `${cfg.api.calls}${target}/close/`, body: { disposition, note: "" } })).queued;
    } catch (err) {
      callMessage(err.error.message, "error");
      return;
    }
    removeRinging(target);
    if (wasCurrent) {
      endCallLocally();
      S.draft = newDraft(false);
      saveDraft();
      ask("fillForm");
    }
    if (queued) {
      // No undo from the queue: the server has not seen the close yet.
      callMessage(fmt(t("Panggilan ditutup: %(d)s — dikirim saat server tersambung kembali."), { d: label }), "ok");
      $("btn-new-call").focus();
      return;
    }
    offerUndo({ callId: target, disposition, wasCurrent, ...snapshot });
    $("btn-new-call").focus();
  } finally {
    closing = false;
  }
}

function offerUndo(u) {
  dropUndo();
  // the form as the close left it: anything typed after that is the next call's, and Ctrl+Z must not overwrite it
  undo = { ...u, until: Date.now() + UNDO_MS, after: JSON.stringify(S.draft) };
  const bar = $("undo-bar");
  bar.replaceChildren(
    el("b", { class: "undo-text" }, t("Dibatalkan?")),
    el("button", { type: "button", class: "undo-btn", onclick: () => undoClose() }, t("Batalkan penutupan"), " ", el("kbd", {}, "Ctrl+Z")),
    el("span", { class: "undo-left", "aria-hidden": "true" }),
  );
  bar.hidden = false;
  callMessage(fmt(t("Panggilan ditutup: %(d)s"), { d: DISPOSITION_LABEL[u.disposition] || u.disposition }), "ok");
  undo.timer = setTimeout(dropUndo, UNDO_MS);
  tickUndo();
}

function tickUndo() {
  if (!undo) return;
  const left = $("undo-bar").querySelector(".undo-left");
  if (left) left.textContent = String(Math.max(0, Math.ceil((undo.until - Date.now()) / 1000))) + " " + t("dtk");
}

function dropUndo() {
  if (undo) clearTimeout(undo.timer);
  undo = null;
  const bar = $("undo-bar");
  bar.hidden = true;
  bar.replaceChildren();
}

/* Ctrl+Z may reopen the call (main.js): an undo is on offer, no other call is in hand, and nothing was typed since
 * the close (then Ctrl+Z is the field's own undo; the button still reopens). */
export function canUndo() {
  return !!undo && Date.now() < undo.until && !S.call && JSON.stringify(S.draft) === undo.after;
}

export async function undoClose() {
  const u = undo;
  if (!u) return;
  dropUndo();
  let data;
  try {
    data = await api("POST", `${cfg.api.calls}${u.callId}/reopen/`, {});
  } catch (err) {
    callMessage(err.error.message, "error");
    return;
  }
  if (u.wasCurrent) {
    // The call and the form as they were when the key was pressed.
    S.call = callFrom(data);
    delete timerEl.dataset.final;
    S.draft = { ...u.draft, call: data.id };
    saveDraft();
    ask("fillForm");
    renderCall();
    // the number's history as it now reads (the answer has it when the call itself carries the number)
    if (data.caller_history && data.caller_number === S.draft.caller_number) renderHistory(data.caller_history);
    else loadHistory();
    ask("refreshDuplicates");
  } else {
    startCall(data, { keepRouting: true }); // closed while ringing: undoing it puts the call-taker on it
  }
  callMessage(fmt(t("Panggilan #%(id)s dibuka kembali."), { id: data.id }), "ok");
  const back = u.wasCurrent && u.focusId && $(u.focusId) && !$(u.focusId).closest(".dispositions") ? u.focusId : null;
  focus(back || (S.draft.category ? "f-place" : "f-name"));
}

// ───────────────────────── caller history ─────────────────────────
export const loadHistory = debounce(async () => {
  const number = (S.draft.caller_number || "").trim();
  const box = $("caller-history");
  if (number.replace(/\D/g, "").length < 5) { box.hidden = true; return; }
  try {
    renderHistory(await api("GET", `${cfg.api.callers}${encodeURIComponent(number)}/history/`));
  } catch (err) {
    box.hidden = true;
  }
}, 300);

function renderHistory(h) {
  const box = $("caller-history");
  const parts = [];
  const counts = Object.entries(h.by_disposition || {}).sort((a, b) => b[1] - a[1]);
  if (h.prank_count) {
    parts.push(el("p", { class: "prank-warning" }, fmt(t("%(n)s panggilan iseng dalam %(days)s hari"), { n: h.prank_count, days: h.days })));
  }
  parts.push(el("p", {}, fmt(t("%(n)s panggilan dalam %(days)s hari"), { n: h.total_calls, days: h.days }),
    counts.length ? " (" + counts.map(([d, n]) => `${DISPOSITION_LABEL[d] || d}: ${n}`).join(", ") + ")" : ""));
  const incidents = [...(h.open_incidents || []), ...(h.past_incidents || [])].slice(0, 5);
  if (incidents.length) {
    parts.push(el("ul", { class: "history-incidents" }, incidents.map((i) =>
      el("li", {}, el("b", {}, i.reference), " · ", i.category_name || i.category, " · ", STATUS_LABEL[i.status] || i.status))));
  }
  box.replaceChildren(el("h3", {}, t("Riwayat nomor"), " ", h.number), ...parts);
  box.hidden = false;
}

// ───────────────────────── ringing calls ─────────────────────────
export function addRinging(c) {
  if (document.querySelector(`#ringing .ringing-call[data-call-id="${c.id}"]`)) return;
  if (S.call && S.call.id === c.id) return;
  $("ringing").append(el("div", { class: "ringing-call", dataset: { callId: c.id, number: c.caller_number || "" } },
    el("span", { class: "bell", "aria-hidden": "true" }, "☎"), " ",
    el("span", { class: "ringing-number" }, c.caller_number || t("nomor tersembunyi")), " ",
    el("span", { class: "ringing-line" }, c.line || ""), " ",
    el("button", { type: "button", class: "claim-btn", dataset: { callId: c.id } }, t("Angkat"), " ", el("kbd", {}, "F2"))));
}

export function removeRinging(id) {
  const node = document.querySelector(`#ringing .ringing-call[data-call-id="${id}"]`);
  if (node) node.remove();
}

export function initCall() {
  $("ringing").addEventListener("click", (e) => {
    const btn = e.target.closest(".claim-btn");
    if (!btn || S.call) return;
    const node = btn.closest(".ringing-call");
    $("ringing").prepend(node); // answer this one
    answerOrNew();
  });
  $("btn-new-call").addEventListener("click", answerOrNew);
  document.querySelectorAll("[data-disposition]").forEach((b) => pointerOnly(b, () => closeAs(b.dataset.disposition)));
}
