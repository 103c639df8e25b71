/* The call panel: answering (F2), the call timer, the caller's device location (AML), closing a
 * non-emergency with one key, the caller's history, and the ringing calls pushed by the PBX. */
import { $, S, cfg, DISPOSITION_LABEL, STATUS_LABEL, debounce, focus, metres, newDraft, saveDraft } from "./state.js";
import { fillForm, useAml } from "./form.js";
import { refreshDuplicates } from "./duplicates.js";
import { hideAml, showAml } from "./map.js";
import { clearRouting } from "./routing.js";
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { mmss } from "../lib/time.js";

const timerEl = $("call-timer");
const callStateEl = $("call-state");

export function renderCall() {
  const call = S.call;
  const panel = $("call-panel");
  panel.classList.toggle("idle", !call);
  panel.classList.toggle("active", !!call);
  callStateEl.textContent = call ? fmt(t("Panggilan #%(id)s aktif"), { id: call.id }) : t("Tidak ada panggilan");
  tickTimer();
  const aml = $("aml");
  if (call && call.device_location) {
    const [lon, lat] = call.device_location;
    aml.hidden = false;
    aml.replaceChildren(
      el("span", {}, t("Lokasi perangkat (AML)"), ": ", lat.toFixed(5), ", ", lon.toFixed(5), call.device_accuracy_m ? " ±" + metres(call.device_accuracy_m) : ""),
      " ",
      el("button", { type: "button", onclick: useAml }, t("Pakai"), " ", el("kbd", {}, "Alt+A")),
    );
    showAml(lat, lon, call.device_accuracy_m);
  } else {
    aml.hidden = true;
    hideAml();
  }
}

export function tickTimer() {
  const call = S.call;
  if (call && call.answered_at) timerEl.textContent = mmss(Date.now() - Date.parse(call.answered_at));
  else if (!call) timerEl.textContent = timerEl.dataset.final || "00:00";
}

export function callMessage(text, kind) {
  const m = $("call-message");
  m.textContent = text;
  m.className = "call-message " + (kind || "");
}

function firstRinging() {
  return document.querySelector("#ringing .ringing-call");
}

export async function answerOrNew() {
  if (S.call) { focus(S.draft.category ? "f-place" : "f-category"); return; }
  const ringing = firstRinging();
  try {
    let data;
    if (ringing) {
      data = await api("POST", `${cfg.api.calls}${ringing.dataset.callId}/claim/`, {});
      ringing.remove();
    } else {
      data = await api("POST", cfg.api.callStart, { caller_number: S.draft.caller_number || "", caller_name: S.draft.caller_name || "" });
    }
    startCall(data);
    focus(data.caller_number ? "f-category" : "f-number");
  } catch (err) {
    if (ringing && err.status === 409) ringing.remove();
    callMessage(err.error.message, "error");
  }
}

function startCall(data) {
  const call = S.call = {
    id: data.id, caller_number: data.caller_number, caller_name: data.caller_name, answered_at: data.answered_at,
    device_location: data.device_location ? data.device_location.coordinates : null, device_accuracy_m: data.device_accuracy_m,
  };
  const draft = S.draft;
  delete timerEl.dataset.final;
  clearRouting(); // the last incident's routing leaves the screen; its outcome stays in the list
  draft.call = call.id;
  if (data.caller_number) draft.caller_number = data.caller_number;
  if (data.caller_name && !draft.caller_name) draft.caller_name = data.caller_name;
  $("f-number").value = draft.caller_number;
  $("f-name").value = draft.caller_name;
  saveDraft();
  callMessage("");
  renderCall();
  if (data.caller_history) renderHistory(data.caller_history);
  else if (draft.caller_number) loadHistory();
  refreshDuplicates();
}

export function endCallLocally(message) {
  if (S.call && S.call.answered_at) timerEl.dataset.final = mmss(Date.now() - Date.parse(S.call.answered_at));
  S.call = null;
  renderCall();
  if (message) callMessage(message, "ok");
}

export async function closeAs(disposition) {
  const target = S.call ? S.call.id : (firstRinging() && firstRinging().dataset.callId);
  if (!target) { callMessage(t("Tidak ada panggilan untuk ditutup."), "error"); return; }
  try {
    await api("POST", `${cfg.api.calls}${target}/close/`, { disposition, note: "" });
  } catch (err) {
    callMessage(err.error.message, "error");
    return;
  }
  removeRinging(target);
  if (S.call && String(S.call.id) === String(target)) {
    endCallLocally();
    S.draft = newDraft(false);
    saveDraft();
    fillForm();
  }
  callMessage(fmt(t("Panggilan ditutup: %(d)s"), { d: DISPOSITION_LABEL[disposition] || disposition }), "ok");
  $("btn-new-call").focus();
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
  document.querySelectorAll("[data-disposition]").forEach((b) => b.addEventListener("click", () => closeAs(b.dataset.disposition)));
}
