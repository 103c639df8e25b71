/* The incident form: category and place type-aheads, the location and what lies there (the kelurahan chosen is
 * recorded as chosen: `village`), errors next to their fields, and the idempotent save. */
import { $, S, cfg, DRAFT_KEY, FIELD_INPUT, ask, clearFieldError, debounce, draftHasTyping, focus, metres, newDraft, root, saveDraft, showFieldError } from "./state.js";
import { api } from "../lib/api.js";
import { confirmInPlace, pointerOnly } from "../lib/confirm.js";
import { priorityText } from "../lib/priority.js";
import { el } from "../lib/dom.js";
import { t, fmt, coords } from "../lib/i18n.js";
import { typeahead } from "../lib/typeahead.js";

// ───────────────────────── category ─────────────────────────
// Filtered client-side over names in both languages and codes; prefix matches first.
function searchCategories(text) {
  const q = text.trim().toLowerCase();
  if (!q) return S.categories.slice(0, 8);
  const scored = [];
  for (const c of S.categories) {
    const hay = [c.code, c.name_id, c.name_en].map((s) => (s || "").toLowerCase());
    let score = null;
    if (hay.some((h) => h.startsWith(q))) score = 0;
    else if (hay.some((h) => h.split(/[\s\/\-]+/).some((w) => w.startsWith(q)))) score = 1;
    else if (hay.some((h) => h.includes(q))) score = 2;
    if (score !== null) scored.push([score, c.name_id.length, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return scored.slice(0, 8).map((s) => s[2]);
}

function selectCategory(c, advance) {
  S.draft.category = c.code;
  S.draft.category_text = c.name;
  $("f-category").value = c.name;
  clearFieldError("category");
  ask("renderQuestions");
  ask("suggestPriority");
  saveDraft();
  ask("refreshDuplicates");
  if (advance) ask("flowNext", "f-category");
}

// ───────────────────────── place ─────────────────────────
async function searchPlaces(text) {
  const q = text.trim();
  if (q.length < 2) return [];
  let data;
  if (ask("offlineNow")) {
    data = ask("searchOffline", q); // the server away: the centre's copy and the browser's parser (issue 26)
  } else {
    try {
      data = await api("GET", `${cfg.api.places}?q=${encodeURIComponent(q)}`);
    } catch (err) {
      if (!err.retryable) { showFieldError("location", err.error.message); return []; }
      ask("serverLost", err.status);
      data = ask("searchOffline", q);
    }
  }
  clearFieldError("location");
  if (data.coordinates_error) showFieldError("location", data.coordinates_error);
  const rows = [];
  if (data.coordinates) {
    const c = data.coordinates;
    rows.push({ kind: "coordinates", name: coords(c.lat, c.lon, 6), detail: c.in_indonesia ? t("Koordinat") : t("Koordinat — di luar Indonesia!"), lat: c.lat, lon: c.lon, accuracy_m: c.accuracy_m });
  }
  return rows.concat(data.results || []);
}

const PLACE_KIND = { landmark: t("Tengara"), village: t("Kelurahan/Desa"), district: t("Kecamatan"), coordinates: t("Koordinat") };

function choosePlace(p) {
  const draft = S.draft;
  if (p) {
    const source = p.kind === "landmark" ? "landmark" : p.kind === "coordinates" ? "coordinates" : "region";
    const label = p.kind === "coordinates" ? p.name : p.name + (p.detail && p.kind !== "landmark" ? ", " + p.detail : "");
    setLocation({ lat: p.lat, lon: p.lon, accuracy_m: p.accuracy_m, source }, label);
    // A kelurahan picked is recorded as picked (its district and regency follow on the server), not re-derived
    // from its pin; any other pick leaves the village to the point's boundaries.
    draft.village = p.kind === "village" && p.code ? { code: p.code, name: p.name } : null;
    if (!draft.address) { draft.address = label; $("f-address").value = label; }
    $("f-place").value = label;
    draft.place_text = label;
    saveDraft();
    ask("flowNext", "f-place");
  } else if (draft.location) {
    ask("flowNext", "f-place");
  }
}

// ───────────────────────── location ─────────────────────────
export function setLocation(loc, label, { quiet } = {}) {
  const draft = S.draft;
  // A new point of another kind (map, AML): the kelurahan picked before no longer says where it is.
  if (loc.source === "map" || loc.source === "aml") draft.village = null;
  draft.location = { lat: +loc.lat, lon: +loc.lon, accuracy_m: loc.accuracy_m ?? null, source: loc.source || "map" };
  if (label && loc.source === "map") { draft.place_text = label; $("f-place").value = coords(loc.lat, loc.lon); }
  saveDraft();
  clearFieldError("location");
  ask("placePin", [draft.location.lat, draft.location.lon], { quiet });
  resolvePlace();
  ask("refreshDuplicates");
  ask("cardiacLocationChanged");
}

/* A click on the map or the pin dragged: a point of the call-taker's choosing. */
export function pickOnMap(lat, lon, accuracy_m) {
  setLocation({ lat, lon, accuracy_m, source: "map" }, t("Titik di peta"));
}

const resolvePlace = debounce(async () => {
  const draft = S.draft;
  if (!draft.location) return;
  const { lat, lon } = draft.location;
  const info = $("place-info");
  let placeInfo;
  if (ask("offlineNow")) { info.textContent = t("Wilayah diperiksa server saat tersambung kembali."); return; }
  try {
    placeInfo = S.placeInfo = await api("GET", `${cfg.api.placesAt}?lat=${lat}&lon=${lon}`);
  } catch (err) {
    if (err.retryable) { ask("serverLost", err.status); info.textContent = t("Wilayah diperiksa server saat tersambung kembali."); return; }
    info.textContent = err.error.message;
    return;
  }
  if (!S.draft.location || S.draft.location.lat !== lat || S.draft.location.lon !== lon) return;
  const names = [];
  // The kelurahan chosen wins over what the pin's boundaries say (the server records it the same way).
  const village = S.draft.village || placeInfo.village;
  if (village) names.push(t("Kel.") + " " + village.name);
  if (placeInfo.district) names.push(t("Kec.") + " " + placeInfo.district.name);
  if (placeInfo.regency) names.push(placeInfo.regency.name);
  const bits = [names.length ? names.join(", ") : t("Wilayah tidak diketahui")];
  if (placeInfo.boundary_is_approximate) bits.push(t("(batas perkiraan)"));
  bits.push(S.draft.location.accuracy_m ? fmt(t("akurasi ±%(m)s"), { m: metres(S.draft.location.accuracy_m) }) : t("akurasi tidak diketahui"));
  info.replaceChildren(el("span", {}, bits.join(" · ")));
  info.classList.toggle("warn", !placeInfo.in_indonesia || !placeInfo.served);
  if (!placeInfo.in_indonesia) {
    info.append(el("div", { class: "warn" }, t("Koordinat berada di luar Indonesia.")));
  } else if (!placeInfo.served) {
    info.append(el("div", { class: "warn" }, t("Di luar wilayah layanan pusat panggilan ini: konfirmasi dengan Alt+O.")));
    $("outside-override").hidden = false;
  } else {
    $("outside-override").hidden = !S.draft.allow_outside;
  }
}, 80);

export function useAml() {
  const call = S.call;
  if (!call || !call.device_location) { ask("callMessage", t("Tidak ada lokasi perangkat untuk panggilan ini."), "error"); return; }
  const [lon, lat] = call.device_location;
  setLocation({ lat, lon, accuracy_m: call.device_accuracy_m, source: "aml" }, t("Lokasi perangkat (AML)"));
  $("f-place").value = t("Lokasi perangkat (AML)") + " " + coords(lat, lon);
  S.draft.place_text = $("f-place").value;
  saveDraft();
  ask("flowNext", "f-place");
}

// ───────────────────────── the form and the draft ─────────────────────────
export function fillForm() {
  const draft = S.draft;
  $("f-number").value = draft.caller_number || "";
  $("f-name").value = draft.caller_name || "";
  const c = S.categoryByCode.get(draft.category);
  $("f-category").value = c ? c.name : draft.category_text || "";
  $("f-place").value = draft.place_text || "";
  $("f-address").value = draft.address || "";
  $("f-description").value = draft.description || "";
  $("f-allow-outside").checked = !!draft.allow_outside;
  $("outside-override").hidden = !draft.allow_outside;
  $("place-info").textContent = "";
  ask("renderQuestions");
  if (draft.priority_touched && draft.priority) $("f-priority").value = String(draft.priority);
  ask("suggestPriority");
  if (draft.location) setLocation(draft.location, null, { quiet: false });
  else ask("removePin");
  if (!draft.location && !draft.caller_number) { $("duplicates").hidden = true; }
  if (!draft.caller_number) $("caller-history").hidden = true;
  clearErrors();
}

/* Alt+X (or the button, by pointer): the form empties, the call stays. What was typed is asked about first. */
export async function clearForm() {
  if (draftHasTyping()) {
    const sure = await confirmInPlace({
      host: $("incident-form"), message: t("Kosongkan formulir? Yang sudah diketik akan hilang."),
      confirmLabel: t("Kosongkan"), cancelLabel: t("Batal"),
    });
    if (!sure) return;
  }
  S.draft = newDraft(true);
  saveDraft();
  fillForm();
  focus("f-category");
}

export function toggleOverride() {
  const box = $("f-allow-outside");
  $("outside-override").hidden = false;
  box.checked = !box.checked;
  S.draft.allow_outside = box.checked;
  saveDraft();
  if (box.checked) save();
}

export function initForm() {
  typeahead($("f-category"), $("category-list"), {
    search: async (text) => searchCategories(text),
    render: (c) => [el("b", {}, c.name), " ", el("span", { class: "code" }, c.code), " ", el("span", { class: "prio" }, priorityText(c.default_priority))],
    choose: (c) => {
      if (c) selectCategory(c, true);
      else if (S.draft.category) ask("flowNext", "f-category");
    },
  });
  typeahead($("f-place"), $("place-list"), {
    search: searchPlaces,
    render: (p) => [el("b", {}, p.name), " ", el("span", { class: "detail" }, p.detail || PLACE_KIND[p.kind] || ""),
      p.accuracy_m ? el("span", { class: "acc" }, " ±" + metres(p.accuracy_m)) : ""],
    choose: choosePlace,
  });

  const enterTo = (next) => (e) => { if (e.key === "Enter" && !e.ctrlKey && !e.altKey) { e.preventDefault(); focus(next); } };
  $("f-number").addEventListener("input", (e) => { S.draft.caller_number = e.target.value; saveDraft(); ask("loadHistory"); ask("refreshDuplicates"); });
  $("f-number").addEventListener("keydown", enterTo("f-name"));
  $("f-name").addEventListener("input", (e) => { S.draft.caller_name = e.target.value; saveDraft(); });
  // Enter from the name or the address goes on with the call: back where Alt+N / Alt+A jumped from, or the next step.
  const onward = (id) => (e) => { if (e.key === "Enter" && !e.ctrlKey && !e.altKey) { e.preventDefault(); ask("flowNext", id); } };
  $("f-name").addEventListener("keydown", onward("f-name"));
  $("f-category").addEventListener("input", (e) => {
    S.draft.category_text = e.target.value;
    const c = S.categoryByCode.get(S.draft.category);
    if (c && e.target.value !== c.name) { S.draft.category = ""; ask("renderQuestions"); ask("suggestPriority"); }
    saveDraft();
  });
  $("f-place").addEventListener("input", (e) => { S.draft.place_text = e.target.value; saveDraft(); });
  $("f-address").addEventListener("input", (e) => { S.draft.address = e.target.value; saveDraft(); });
  $("f-address").addEventListener("keydown", onward("f-address"));
  $("f-description").addEventListener("input", (e) => { S.draft.description = e.target.value; saveDraft(); });
  $("f-description").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.altKey) { e.preventDefault(); save(); }
  });
  $("f-priority").addEventListener("change", (e) => { S.draft.priority_touched = true; S.draft.priority = Number(e.target.value); ask("suggestPriority"); saveDraft(); });
  $("f-allow-outside").addEventListener("change", (e) => { S.draft.allow_outside = e.target.checked; saveDraft(); });
  $("incident-form").addEventListener("submit", (e) => { e.preventDefault(); save(); });
  pointerOnly($("btn-clear"), clearForm);
}

// ───────────────────────── errors next to fields ─────────────────────────
function clearErrors() {
  document.querySelectorAll(".field-error").forEach((b) => { b.textContent = ""; });
  document.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  $("form-error").textContent = "";
}

function showError(err) {
  const error = err.error || {};
  const fields = error.fields || {};
  let first = null;
  const unplaced = [];
  for (const [field, messages] of Object.entries(fields)) {
    const text = (messages || []).join(" ");
    // The kelurahan is chosen in the place field: its refusal is said there.
    const at = field === "village" ? "location" : field;
    if (showFieldError(at, text)) { if (!first) first = at; }
    else unplaced.push(text);
  }
  const form = $("form-error");
  form.textContent = !Object.keys(fields).length || unplaced.length ? [error.message, ...unplaced].filter(Boolean).join(" ") : error.message;
  form.classList.toggle("network", !!err.network);
  if (first && FIELD_INPUT[first]) focus(FIELD_INPUT[first]);
}

// ───────────────────────── save (idempotent) ─────────────────────────
function payload() {
  const draft = S.draft;
  const catText = $("f-category").value.trim();
  return {
    category: draft.category || catText,
    priority: draft.priority_touched && $("f-priority").value ? Number($("f-priority").value) : null,
    location: draft.location ? { type: "Point", coordinates: [draft.location.lon, draft.location.lat] } : null,
    location_accuracy_m: draft.location ? draft.location.accuracy_m : null,
    location_source: draft.location ? draft.location.source : "",
    address: draft.address,
    description: draft.description,
    caller_number: draft.caller_number,
    caller_name: draft.caller_name,
    village: draft.village ? draft.village.code : null,
    answers: draft.answers,
    call: draft.call,
    allow_outside_service_area: !!draft.allow_outside,
  };
}

export async function save() {
  if (S.saving) return; // a double click sends nothing twice; the idempotency key covers retries too
  S.saving = true;
  $("btn-save").disabled = true;
  clearErrors();
  root.classList.add("saving");
  try {
    const body = payload();
    if (ask("offlineNow")) {
      // The browser checks what it can; the server checks the rest when the queue reaches it.
      const fields = ask("checkOffline", S.draft);
      if (fields) { showError({ error: { message: t("Lengkapi isian yang ditandai."), fields } }); return; }
    }
    const sent = await ask("sendOrQueue", { kind: "incident", url: cfg.api.incidents, body, key: S.draft.key, label: body.address });
    if (sent.queued) ask("onQueuedIncident");
    else onCreated(sent.data);
  } catch (err) {
    showError(err);
    if (err.error && err.error.code === "outside_service_area") {
      $("outside-override").hidden = false;
    }
  } finally {
    S.saving = false;
    $("btn-save").disabled = false;
    root.classList.remove("saving");
  }
}

function onCreated(data) {
  const wasCall = S.call;
  // The CPR steps taken on this draft go out now that the incident exists (cpr.js).
  ask("cardiacIncidentSaved", data, S.draft.key);
  ask("endCallLocally", fmt(t("Kejadian %(ref)s tercatat."), { ref: data.reference }));
  localStorage.removeItem(DRAFT_KEY);
  S.draft = newDraft(false);
  fillForm();
  ask("upsertIncident", {
    id: data.id, reference: data.reference, status: data.status, priority: data.priority, category_name: data.category_name,
    address: data.address, caller_count: data.caller_count, created_at: data.created_at, village: data.village,
    location: data.location ? data.location.coordinates : null, call_answered_at: data.call_answered_at || (wasCall && wasCall.answered_at),
    created_by: cfg.user,
  });
  ask("flushList");
  ask("openRouting", {
    incident: data.id, reference: data.reference, category: data.category,
    proposed: data.proposed_agencies || [], units: data.nearest_units || [],
  });
}
