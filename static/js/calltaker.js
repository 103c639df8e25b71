/* Call-taker console (issue 3): keyboard first, works through REST API v1, updated by LiveEvents.
 *
 * Flow of a genuine call: F2 (answer) → category (type, Enter) → location (type, Enter) → SOP questions
 * (y/n, Enter) → description (Enter saves) → routing (digits toggle agencies, Enter routes).
 * Non-emergencies close with one key: Alt+G ghost, Alt+P prank, Alt+I info, Alt+M misdial.
 *
 * Nothing lost, nothing doubled: the draft lives in localStorage (per user) with a client-generated
 * idempotency key sent as `Idempotency-Key`; it is cleared only after the server created the incident.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("ct-config").textContent);
  const root = document.getElementById("ct");
  const $ = (id) => document.getElementById(id);
  const t = (s) => (typeof window.gettext === "function" ? window.gettext(s) : s);
  const fmt = (s, obj) => (typeof window.interpolate === "function" ? window.interpolate(s, obj, true) : s.replace(/%\((\w+)\)s/g, (_m, k) => obj[k]));
  const csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  const DRAFT_KEY = "ct-draft:" + cfg.user;
  const ROUTE_KEY = "ct-route:" + cfg.user;
  const OPEN = new Set(["new", "routed", "accepted", "dispatched", "en_route", "on_scene", "resolved"]);
  const STATUS_LABEL = {
    new: t("Baru"), routed: t("Diteruskan"), accepted: t("Diterima"), dispatched: t("Unit ditugaskan"),
    en_route: t("Unit menuju lokasi"), on_scene: t("Unit di lokasi"), resolved: t("Tertangani"),
    closed: t("Ditutup"), cancelled: t("Dibatalkan"),
  };
  const ASSIGNMENT_LABEL = {
    offered: t("Ditawarkan"), accepted: t("Diterima"), declined: t("Ditolak"), expired: t("Kedaluwarsa"),
    handed_off: t("Dialihkan"), completed: t("Selesai"), cancelled: t("Dibatalkan"),
  };
  const DISPOSITION_LABEL = {
    ghost: t("Panggilan kosong"), prank: t("Iseng"), info: t("Informasi / non-darurat"), misdial: t("Salah sambung"),
    genuine: t("Darurat"), duplicate: t("Duplikat"), test: t("Uji coba"), unclassified: t("Belum diklasifikasi"),
  };
  const FIELD_INPUT = {
    category: "f-category", location: "f-place", description: "f-description", address: "f-address",
    caller_number: "f-number", caller_name: "f-name", priority: "f-priority",
  };

  // ───────────────────────── helpers ─────────────────────────
  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  function debounce(fn, ms) {
    let timer = null;
    const wrapped = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
    wrapped.cancel = () => clearTimeout(timer);
    return wrapped;
  }

  function mmss(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m).padStart(2, "0")) + ":" + String(sec).padStart(2, "0");
  }

  function metres(m) {
    if (m === null || m === undefined) return "";
    return m >= 1000 ? (m / 1000).toFixed(1).replace(".", ",") + " km" : Math.round(m) + " m";
  }

  function isTextField(node) {
    if (!node) return false;
    if (node.tagName === "TEXTAREA" || node.tagName === "SELECT") return true;
    return node.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(node.type);
  }

  class ApiError extends Error {
    constructor(status, error, network) {
      super(error.message);
      this.status = status;
      this.error = error;
      this.network = !!network;
    }
  }

  async function api(method, url, body, headers) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrf, ...(headers || {}) } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(url, opts);
    } catch (e) {
      throw new ApiError(0, { code: "network", message: t("Koneksi ke server terputus. Semua isian tetap tersimpan; coba lagi."), fields: {} }, true);
    }
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      const error = (data && data.error) || { code: "http_" + resp.status, message: fmt(t("Server menolak permintaan (%(status)s)."), { status: resp.status }), fields: {} };
      throw new ApiError(resp.status, error, resp.status >= 502);
    }
    return data;
  }

  // ───────────────────────── draft (survives reload) ─────────────────────────
  function newDraft(keepCall) {
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
  function saveDraft() {
    try { localStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch (e) { /* storage full: keep working */ }
  }
  let draft = null;
  draft = loadDraft() || newDraft(false);
  if (!draft.key) draft.key = uuid();

  // ───────────────────────── state ─────────────────────────
  let call = cfg.activeCall; // the call this call-taker is talking on
  let categories = [];
  let categoryByCode = new Map();
  let centreAgencies = [];
  let saving = false;
  let duplicates = [];
  let routing = null; // {incident, reference, agencies: [{id, name, checked, unit}], units}
  let placeInfo = null;

  if (call && draft.call && draft.call !== call.id) draft = newDraft(false);
  if (call) {
    draft.call = call.id;
    if (!draft.caller_number) draft.caller_number = call.caller_number || "";
  } else if (draft.call) {
    draft.call = null; // the call ended elsewhere; the typed incident stays as a walk-in draft
  }

  // ───────────────────────── map ─────────────────────────
  const map = L.map("map", { zoomControl: true, keyboard: true, preferCanvas: true }).setView(cfg.mapCenter, 13);
  if (cfg.tiles) L.tileLayer(cfg.tiles.url, cfg.tiles.options || {}).addTo(map);
  const incidentLayer = L.layerGroup().addTo(map);
  let pin = null;
  let amlMarker = null;
  map.on("click", (e) => {
    setLocation({ lat: e.latlng.lat, lon: e.latlng.lng, accuracy_m: clickAccuracy(), source: "map" }, t("Titik di peta"));
  });
  function clickAccuracy() {
    // About ten screen pixels at the current zoom: how precisely a click can be placed.
    const lat = map.getCenter().lat;
    return Math.round((156543.03 * Math.cos((lat * Math.PI) / 180)) / Math.pow(2, map.getZoom()) * 10);
  }

  // ───────────────────────── call panel ─────────────────────────
  const timerEl = $("call-timer");
  const callStateEl = $("call-state");
  function renderCall() {
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
      if (amlMarker) amlMarker.remove();
      amlMarker = L.circle([lat, lon], { radius: call.device_accuracy_m || 30, color: "#0969da" }).addTo(map);
    } else {
      aml.hidden = true;
      if (amlMarker) { amlMarker.remove(); amlMarker = null; }
    }
  }
  function tickTimer() {
    if (call && call.answered_at) timerEl.textContent = mmss(Date.now() - Date.parse(call.answered_at));
    else if (!call) timerEl.textContent = timerEl.dataset.final || "00:00";
  }
  function callMessage(text, kind) {
    const m = $("call-message");
    m.textContent = text;
    m.className = "call-message " + (kind || "");
  }

  function firstRinging() {
    return document.querySelector("#ringing .ringing-call");
  }

  async function answerOrNew() {
    if (call) { focus(draft.category ? "f-place" : "f-category"); return; }
    const ringing = firstRinging();
    try {
      let data;
      if (ringing) {
        data = await api("POST", `${cfg.api.calls}${ringing.dataset.callId}/claim/`, {});
        ringing.remove();
      } else {
        data = await api("POST", cfg.api.callStart, { caller_number: draft.caller_number || "", caller_name: draft.caller_name || "" });
      }
      startCall(data);
      focus(data.caller_number ? "f-category" : "f-number");
    } catch (err) {
      if (ringing && err.status === 409) ringing.remove();
      callMessage(err.error.message, "error");
    }
  }

  function startCall(data) {
    call = {
      id: data.id, caller_number: data.caller_number, caller_name: data.caller_name, answered_at: data.answered_at,
      device_location: data.device_location ? data.device_location.coordinates : null, device_accuracy_m: data.device_accuracy_m,
    };
    delete timerEl.dataset.final;
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

  function endCallLocally(message) {
    if (call && call.answered_at) timerEl.dataset.final = mmss(Date.now() - Date.parse(call.answered_at));
    call = null;
    renderCall();
    if (message) callMessage(message, "ok");
  }

  async function closeAs(disposition) {
    const target = call ? call.id : (firstRinging() && firstRinging().dataset.callId);
    if (!target) { callMessage(t("Tidak ada panggilan untuk ditutup."), "error"); return; }
    try {
      await api("POST", `${cfg.api.calls}${target}/close/`, { disposition, note: "" });
    } catch (err) {
      callMessage(err.error.message, "error");
      return;
    }
    const ringing = document.querySelector(`#ringing .ringing-call[data-call-id="${target}"]`);
    if (ringing) ringing.remove();
    if (call && String(call.id) === String(target)) {
      endCallLocally();
      draft = newDraft(false);
      saveDraft();
      fillForm();
    }
    callMessage(fmt(t("Panggilan ditutup: %(d)s"), { d: DISPOSITION_LABEL[disposition] || disposition }), "ok");
    $("btn-new-call").focus();
  }

  // ───────────────────────── caller history ─────────────────────────
  const loadHistory = debounce(async () => {
    const number = (draft.caller_number || "").trim();
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

  // ───────────────────────── type-ahead (category, place) ─────────────────────────
  function typeahead(input, list, { search, render, choose }) {
    let items = [];
    let active = 0;
    let seq = 0;
    let shownFor = null; // the text the visible list answers
    function show(newItems) {
      items = newItems;
      active = 0;
      list.replaceChildren(...items.map((item, i) => {
        const li = el("li", { role: "option", id: `${list.id}-${i}`, class: i === 0 ? "active" : "" }, render(item));
        li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(i); });
        return li;
      }));
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(!list.hidden));
      if (items.length) input.setAttribute("aria-activedescendant", `${list.id}-0`);
    }
    function move(delta) {
      if (!items.length) return;
      active = (active + delta + items.length) % items.length;
      [...list.children].forEach((li, i) => li.classList.toggle("active", i === active));
      input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
    }
    function pick(i) {
      const item = items[i];
      close();
      if (item) choose(item);
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }
    const run = async () => {
      const mine = ++seq;
      const text = input.value;
      const result = await search(text);
      if (mine === seq) { show(result); shownFor = text; }
      return result;
    };
    const runLater = debounce(run, 120);
    input.addEventListener("input", runLater);
    input.addEventListener("blur", () => setTimeout(close, 150));
    input.addEventListener("keydown", async (e) => {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) await run(); else move(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && !e.ctrlKey && !e.altKey) {
        e.preventDefault();
        // Enter must never race the debounce: when the visible list does not answer the text typed,
        // cancel the pending search and pick from a fresh one.
        if (input.value.trim() && (list.hidden || shownFor !== input.value)) {
          runLater.cancel();
          const mine = ++seq;
          const text = input.value;
          const result = await search(text);
          if (mine !== seq) return; // the call-taker typed on meanwhile
          show(result);
          shownFor = text;
        }
        if (items.length) pick(active);
        else choose(null);
      }
    });
    return { show, close, run };
  }

  // Category: filtered client-side over names in both languages and codes; prefix matches first.
  function searchCategories(text) {
    const q = text.trim().toLowerCase();
    if (!q) return categories.slice(0, 8);
    const scored = [];
    for (const c of categories) {
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

  const categoryTA = typeahead($("f-category"), $("category-list"), {
    search: async (text) => searchCategories(text),
    render: (c) => [el("b", {}, c.name), " ", el("span", { class: "code" }, c.code), " ", el("span", { class: "prio" }, "P" + c.default_priority)],
    choose: (c) => {
      if (c) selectCategory(c, true);
      else if (draft.category) flowNext("f-category");
    },
  });

  function selectCategory(c, advance) {
    draft.category = c.code;
    draft.category_text = c.name;
    $("f-category").value = c.name;
    clearFieldError("category");
    renderQuestions();
    suggestPriority();
    saveDraft();
    refreshDuplicates();
    if (advance) flowNext("f-category");
  }

  async function searchPlaces(text) {
    const q = text.trim();
    if (q.length < 2) return [];
    let data;
    try {
      data = await api("GET", `${cfg.api.places}?q=${encodeURIComponent(q)}`);
    } catch (err) {
      showFieldError("location", err.error.message);
      return [];
    }
    clearFieldError("location");
    if (data.coordinates_error) showFieldError("location", data.coordinates_error);
    const rows = [];
    if (data.coordinates) {
      const c = data.coordinates;
      rows.push({ kind: "coordinates", name: `${c.lat.toFixed(6)}, ${c.lon.toFixed(6)}`, detail: c.in_indonesia ? t("Koordinat") : t("Koordinat — di luar Indonesia!"), lat: c.lat, lon: c.lon, accuracy_m: c.accuracy_m });
    }
    return rows.concat(data.results || []);
  }

  const PLACE_KIND = { landmark: t("Tengara"), village: t("Kelurahan/Desa"), district: t("Kecamatan"), coordinates: t("Koordinat") };
  const placeTA = typeahead($("f-place"), $("place-list"), {
    search: searchPlaces,
    render: (p) => [el("b", {}, p.name), " ", el("span", { class: "detail" }, p.detail || PLACE_KIND[p.kind] || ""),
      p.accuracy_m ? el("span", { class: "acc" }, " ±" + metres(p.accuracy_m)) : ""],
    choose: (p) => {
      if (p) {
        const source = p.kind === "landmark" ? "landmark" : p.kind === "coordinates" ? "coordinates" : "region";
        const label = p.kind === "coordinates" ? p.name : p.name + (p.detail && p.kind !== "landmark" ? ", " + p.detail : "");
        setLocation({ lat: p.lat, lon: p.lon, accuracy_m: p.accuracy_m, source }, label);
        if (!draft.address) { draft.address = label; $("f-address").value = label; }
        $("f-place").value = label;
        draft.place_text = label;
        saveDraft();
        flowNext("f-place");
      } else if (draft.location) {
        flowNext("f-place");
      }
    },
  });

  // ───────────────────────── location ─────────────────────────
  function setLocation(loc, label, { quiet } = {}) {
    draft.location = { lat: +loc.lat, lon: +loc.lon, accuracy_m: loc.accuracy_m ?? null, source: loc.source || "map" };
    if (label && loc.source === "map") { draft.place_text = label; $("f-place").value = `${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}`; }
    saveDraft();
    clearFieldError("location");
    const ll = [draft.location.lat, draft.location.lon];
    if (!pin) {
      pin = L.marker(ll, { draggable: true, keyboard: true, title: t("Lokasi kejadian") }).addTo(map);
      pin.on("dragend", () => {
        const p = pin.getLatLng();
        setLocation({ lat: p.lat, lon: p.lng, accuracy_m: clickAccuracy(), source: "map" }, t("Titik di peta"));
      });
    } else {
      pin.setLatLng(ll);
    }
    if (!quiet) map.setView(ll, Math.max(map.getZoom(), 15));
    resolvePlace();
    refreshDuplicates();
  }

  const resolvePlace = debounce(async () => {
    if (!draft.location) return;
    const { lat, lon } = draft.location;
    const info = $("place-info");
    try {
      placeInfo = await api("GET", `${cfg.api.placesAt}?lat=${lat}&lon=${lon}`);
    } catch (err) {
      info.textContent = err.error.message;
      return;
    }
    if (!draft.location || draft.location.lat !== lat || draft.location.lon !== lon) return;
    const names = [];
    if (placeInfo.village) names.push(t("Kel.") + " " + placeInfo.village.name);
    if (placeInfo.district) names.push(t("Kec.") + " " + placeInfo.district.name);
    if (placeInfo.regency) names.push(placeInfo.regency.name);
    const bits = [names.length ? names.join(", ") : t("Wilayah tidak diketahui")];
    if (placeInfo.boundary_is_approximate) bits.push(t("(batas perkiraan)"));
    bits.push(draft.location.accuracy_m ? fmt(t("akurasi ±%(m)s"), { m: metres(draft.location.accuracy_m) }) : t("akurasi tidak diketahui"));
    info.replaceChildren(el("span", {}, bits.join(" · ")));
    info.classList.toggle("warn", !placeInfo.in_indonesia || !placeInfo.served);
    if (!placeInfo.in_indonesia) {
      info.append(el("div", { class: "warn" }, t("Koordinat berada di luar Indonesia.")));
    } else if (!placeInfo.served) {
      info.append(el("div", { class: "warn" }, t("Di luar wilayah layanan pusat panggilan ini: konfirmasi dengan Alt+O.")));
      $("outside-override").hidden = false;
    } else {
      $("outside-override").hidden = !draft.allow_outside;
    }
  }, 80);

  function useAml() {
    if (!call || !call.device_location) { callMessage(t("Tidak ada lokasi perangkat untuk panggilan ini."), "error"); return; }
    const [lon, lat] = call.device_location;
    setLocation({ lat, lon, accuracy_m: call.device_accuracy_m, source: "aml" }, t("Lokasi perangkat (AML)"));
    $("f-place").value = t("Lokasi perangkat (AML)") + ` ${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    draft.place_text = $("f-place").value;
    saveDraft();
    flowNext("f-place");
  }

  // ───────────────────────── SOP questions and priority ─────────────────────────
  function currentCategory() {
    return categoryByCode.get(draft.category) || null;
  }

  function questionInputs() {
    return [...document.querySelectorAll("#questions [data-question]")];
  }

  function renderQuestions() {
    const box = $("questions");
    const c = currentCategory();
    const script = (c && c.question_script) || [];
    const lang = (document.documentElement.lang || "id").slice(0, 2);
    box.replaceChildren(...script.map((q) => {
      const id = "q-" + q.key;
      const label = (lang === "en" && q.question_en) || q.question_id || q.key;
      const value = draft.answers[q.key];
      let input;
      if (q.type === "bool") {
        input = el("button", { type: "button", id, class: "q-bool", "data-question": q.key, "aria-pressed": value === undefined ? "mixed" : String(value) },
          value === true ? t("Ya") : value === false ? t("Tidak") : "—");
        input.addEventListener("click", () => setAnswer(q.key, value === true ? false : true, input));
      } else if (q.type === "choice") {
        input = el("select", { id, "data-question": q.key }, el("option", { value: "" }, "—"),
          (q.choices || []).map((ch) => el("option", { value: ch, selected: value === ch }, ch)));
        input.addEventListener("change", () => setAnswer(q.key, input.value || undefined, input));
      } else {
        input = el("input", { id, "data-question": q.key, value: value || "", maxlength: 500 });
        input.addEventListener("input", () => setAnswer(q.key, input.value || undefined, input));
      }
      const hint = q.type === "bool" ? el("span", { class: "hint" }, el("kbd", {}, "Y"), "/", el("kbd", {}, "N")) : "";
      const marker = q.priority_if ? el("span", { class: "hint crit" }, fmt(t("→ P%(p)s bila %(a)s"), { p: q.priority_if.priority, a: q.priority_if.answer === true ? t("ya") : q.priority_if.answer === false ? t("tidak") : q.priority_if.answer })) : "";
      return el("div", { class: "row question" }, el("label", { for: id }, label, " ", hint, " ", marker), input);
    }));
  }

  function setAnswer(key, value, input) {
    if (value === undefined || value === "") delete draft.answers[key];
    else draft.answers[key] = value;
    if (input && input.classList.contains("q-bool")) {
      input.textContent = value === true ? t("Ya") : value === false ? t("Tidak") : "—";
      input.setAttribute("aria-pressed", value === undefined ? "mixed" : String(value));
      // the click handler closes over the old value: rebuild it
      const fresh = input.cloneNode(true);
      fresh.addEventListener("click", () => setAnswer(key, draft.answers[key] === true ? false : true, fresh));
      input.replaceWith(fresh);
      if (document.activeElement === document.body) fresh.focus();
    }
    suggestPriority();
    saveDraft();
  }

  // The same rule as incidents.services.incidents.suggest_priority: the category's default, raised
  // (never lowered) by answers its SOP script marks as critical.
  function suggestedPriority() {
    const c = currentCategory();
    if (!c) return null;
    let p = c.default_priority;
    for (const q of c.question_script || []) {
      const rule = q.priority_if;
      if (rule && Object.prototype.hasOwnProperty.call(draft.answers, q.key) && draft.answers[q.key] === rule.answer) p = Math.min(p, Number(rule.priority));
    }
    return p;
  }

  function suggestPriority() {
    const p = suggestedPriority();
    const sel = $("f-priority");
    const hint = $("priority-hint");
    if (p === null) { hint.textContent = ""; return; }
    if (!draft.priority_touched) { sel.value = String(p); draft.priority = null; }
    hint.textContent = fmt(t("saran: P%(p)s"), { p }) + (draft.priority_touched && Number(sel.value) !== p ? " · " + t("diubah operator") : "");
  }

  // ───────────────────────── Enter flow in call order ─────────────────────────
  function flowOrder() {
    return ["f-category", "f-place", ...questionInputs().map((q) => q.id), "f-description"];
  }
  function flowNext(fromId) {
    const order = flowOrder();
    const i = order.indexOf(fromId);
    const next = order[i + 1];
    if (next) focus(next);
  }
  function focus(id) {
    const node = $(id);
    if (node) { node.focus(); if (node.select && node.tagName === "INPUT") node.select(); }
  }

  document.getElementById("questions").addEventListener("keydown", (e) => {
    const target = e.target;
    if (!target.dataset || !target.dataset.question) return;
    const key = target.dataset.question;
    if (target.classList.contains("q-bool")) {
      const k = e.key.toLowerCase();
      if (k === "y") { e.preventDefault(); setAnswer(key, true, target); flowNext("q-" + key); }
      else if (k === "n" || k === "t") { e.preventDefault(); setAnswer(key, false, target); flowNext("q-" + key); }
      else if (e.key === "Enter" && !e.ctrlKey) { e.preventDefault(); flowNext("q-" + key); }
    } else if (e.key === "Enter" && !e.ctrlKey && !e.altKey) {
      e.preventDefault();
      flowNext("q-" + key);
    }
  });

  // ───────────────────────── duplicates ─────────────────────────
  const refreshDuplicates = debounce(async () => {
    const params = new URLSearchParams();
    if (draft.category && categoryByCode.has(draft.category)) params.set("category", draft.category);
    if (draft.location) { params.set("lat", draft.location.lat); params.set("lon", draft.location.lon); }
    if (draft.caller_number) params.set("caller_number", draft.caller_number.trim());
    const box = $("duplicates");
    if (!draft.location && !draft.caller_number) { duplicates = []; box.hidden = true; return; }
    let data;
    try { data = await api("GET", `${cfg.api.duplicates}?${params}`); } catch (err) { return; }
    duplicates = data.results || [];
    $("dup-scope").textContent = fmt(t("dalam %(r)s m, %(w)s menit terakhir, atau nomor yang sama"), { r: data.radius_m, w: data.window_min });
    $("duplicate-list").replaceChildren(...duplicates.map((d, i) => el("li", { class: "dup" + (i === 0 ? " top" : ""), dataset: { id: d.id } },
      el("b", {}, d.reference), " · ", d.category_name, " · ", STATUS_LABEL[d.status] || d.status,
      d.distance_m !== null ? " · " + metres(d.distance_m) : "",
      d.same_caller ? el("span", { class: "same-caller" }, " · " + t("nomor yang sama")) : "",
      " · ", fmt(t("%(n)s pelapor"), { n: d.caller_count }),
      d.address ? el("div", { class: "addr" }, d.address) : "",
      el("button", { type: "button", class: "link-btn", onclick: () => linkDuplicate(d) }, t("Tautkan"), i === 0 ? [" ", el("kbd", {}, "Alt+D")] : ""))));
    box.hidden = duplicates.length === 0;
  }, 200);

  async function linkDuplicate(d) {
    if (!d) { callMessage(t("Tidak ada kejadian duplikat untuk ditautkan."), "error"); return; }
    if (!call) { callMessage(t("Tidak ada panggilan aktif untuk ditautkan."), "error"); return; }
    try {
      const data = await api("POST", `${cfg.api.calls}${call.id}/link/`, { incident: d.id });
      endCallLocally();
      draft = newDraft(false);
      saveDraft();
      fillForm();
      callMessage(fmt(t("Panggilan ditautkan ke %(ref)s (pelapor: %(n)s)."), { ref: data.incident.reference, n: data.incident.caller_count }), "ok");
      upsertIncident({ id: data.incident.id, caller_count: data.incident.caller_count });
      $("btn-new-call").focus();
    } catch (err) {
      callMessage(err.error.message, "error");
    }
  }

  // ───────────────────────── errors next to fields ─────────────────────────
  function showFieldError(field, message) {
    const box = document.querySelector(`.field-error[data-for="${field}"]`);
    if (box) {
      box.textContent = message;
      const input = $(FIELD_INPUT[field]);
      if (input) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", box.id || ""); }
      return true;
    }
    return false;
  }
  function clearFieldError(field) {
    const box = document.querySelector(`.field-error[data-for="${field}"]`);
    if (box) box.textContent = "";
    const input = $(FIELD_INPUT[field]);
    if (input) input.removeAttribute("aria-invalid");
  }
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
      if (showFieldError(field, text)) { if (!first) first = field; }
      else unplaced.push(text);
    }
    const form = $("form-error");
    form.textContent = !Object.keys(fields).length || unplaced.length ? [error.message, ...unplaced].filter(Boolean).join(" ") : error.message;
    form.classList.toggle("network", !!err.network);
    if (first && FIELD_INPUT[first]) focus(FIELD_INPUT[first]);
  }

  // ───────────────────────── save (idempotent) ─────────────────────────
  function payload() {
    const catText = $("f-category").value.trim();
    return {
      category: draft.category || catText,
      priority: draft.priority_touched ? Number($("f-priority").value) : null,
      location: draft.location ? { type: "Point", coordinates: [draft.location.lon, draft.location.lat] } : null,
      location_accuracy_m: draft.location ? draft.location.accuracy_m : null,
      location_source: draft.location ? draft.location.source : "",
      address: draft.address,
      description: draft.description,
      caller_number: draft.caller_number,
      caller_name: draft.caller_name,
      answers: draft.answers,
      call: draft.call,
      allow_outside_service_area: !!draft.allow_outside,
    };
  }

  async function save() {
    if (saving) return; // a double click sends nothing twice; the idempotency key covers retries too
    saving = true;
    $("btn-save").disabled = true;
    clearErrors();
    root.classList.add("saving");
    try {
      const data = await api("POST", cfg.api.incidents, payload(), { "Idempotency-Key": draft.key });
      onCreated(data);
    } catch (err) {
      showError(err);
      if (err.error && err.error.code === "outside_service_area") {
        $("outside-override").hidden = false;
      }
    } finally {
      saving = false;
      $("btn-save").disabled = false;
      root.classList.remove("saving");
    }
  }

  function onCreated(data) {
    const wasCall = call;
    endCallLocally(fmt(t("Kejadian %(ref)s tercatat."), { ref: data.reference }));
    localStorage.removeItem(DRAFT_KEY);
    draft = newDraft(false);
    fillForm();
    upsertIncident({
      id: data.id, reference: data.reference, status: data.status, priority: data.priority, category_name: data.category_name,
      address: data.address, caller_count: data.caller_count, created_at: data.created_at,
      location: data.location ? data.location.coordinates : null, call_answered_at: data.call_answered_at || (wasCall && wasCall.answered_at),
    });
    openRouting({
      incident: data.id, reference: data.reference,
      proposed: data.proposed_agencies || [], units: data.nearest_units || [],
    });
  }

  // ───────────────────────── routing ─────────────────────────
  function openRouting(r) {
    const proposedIds = new Set(r.proposed.map((a) => a.id));
    const agencies = r.proposed.map((a) => ({ id: a.id, name: a.short_name || a.name, type: a.type, reason: a.reason, checked: true }));
    for (const a of centreAgencies) {
      if (!proposedIds.has(a.id) && a.command_centre === cfg.centre) agencies.push({ id: a.id, name: a.short_name || a.name, type: a.type, reason: null, checked: false });
    }
    routing = { incident: r.incident, reference: r.reference, agencies: agencies.slice(0, 9), units: r.units, assignments: r.assignments || null };
    localStorage.setItem(ROUTE_KEY, JSON.stringify(r));
    renderRouting();
    const panel = $("routing");
    panel.hidden = false;
    panel.focus();
  }

  function renderRouting() {
    $("routing-ref").textContent = routing.reference;
    const reason = { jurisdiction: t("wilayah hukum"), region: t("wilayah layanan"), centre: t("instansi pusat") };
    $("routing-list").replaceChildren(...routing.agencies.map((a, i) => {
      const unit = routing.units.find((u) => u.agency === a.id);
      return el("li", { class: "agency" + (a.checked ? " checked" : ""), dataset: { id: a.id } },
        el("label", {},
          el("kbd", {}, String(i + 1)), " ",
          el("input", { type: "checkbox", checked: a.checked, tabindex: "-1", onchange: () => toggleAgency(i) }), " ",
          el("b", {}, a.name), a.reason ? el("span", { class: "hint" }, " · " + t("usulan") + " (" + (reason[a.reason] || a.reason) + ")") : ""),
        unit ? el("div", { class: "unit" }, fmt(t("Unit terdekat %(unit)s: %(d)s, perkiraan %(eta)s menit"), { unit: unit.call_sign, d: metres(unit.distance_m), eta: String(unit.eta_min).replace(".", ",") }))
          : a.checked ? el("div", { class: "unit none" }, t("Tidak ada unit siaga dengan kemampuan yang dibutuhkan")) : "");
    }));
  }

  function toggleAgency(i) {
    if (!routing || !routing.agencies[i]) return;
    routing.agencies[i].checked = !routing.agencies[i].checked;
    renderRouting();
  }

  async function route() {
    if (!routing || routing.busy) return;
    const ids = routing.agencies.filter((a) => a.checked).map((a) => a.id);
    clearFieldError("agencies");
    if (!ids.length) { showFieldError("agencies", t("Pilih minimal satu instansi.")); return; }
    routing.busy = true;
    try {
      const assignments = await api("POST", `${cfg.api.incidents}${routing.incident}/route/`, { agencies: ids });
      localStorage.removeItem(ROUTE_KEY);
      renderAssignments(assignments);
      upsertIncident({ id: routing.incident, status: "routed", routed_at: new Date().toISOString() });
      routing.done = true;
      $("btn-new-call").focus();
    } catch (err) {
      showFieldError("agencies", err.error.message + " " + Object.values(err.error.fields || {}).flat().join(" "));
    } finally {
      routing.busy = false;
    }
  }

  function renderAssignments(assignments) {
    $("assignments").replaceChildren(el("h3", {}, t("Penugasan")), el("ul", {}, assignments.map((a) => el("li", { class: "assignment", dataset: { id: a.id, deadline: a.ack_deadline || "" } },
      el("b", {}, a.agency_name), " · ", ASSIGNMENT_LABEL[a.status] || a.status,
      a.ack_deadline ? [" · ", t("batas konfirmasi"), " ", new Date(a.ack_deadline).toLocaleTimeString(), " (", el("span", { class: "countdown" }, mmss(Date.parse(a.ack_deadline) - Date.now())), ")"] : ""))));
  }

  $("routing").addEventListener("keydown", (e) => {
    if (!routing || routing.done) return;
    if (/^[1-9]$/.test(e.key) && !e.altKey && !e.ctrlKey) { e.preventDefault(); toggleAgency(Number(e.key) - 1); }
    else if (e.key === "Enter") { e.preventDefault(); route(); }
    else if (e.key === "Escape") { e.preventDefault(); $("routing").hidden = true; $("btn-new-call").focus(); }
  });
  $("btn-route").addEventListener("click", route);

  // ───────────────────────── the open incidents list ─────────────────────────
  const listEl = $("open-incidents");
  function rowFor(id) { return listEl.querySelector(`li.inc[data-id="${id}"]`); }

  function upsertIncident(s) {
    let row = rowFor(s.id);
    if (s.status && !OPEN.has(s.status)) {
      if (row) { row.remove(); removeMarker(s.id); }
      updateCount();
      return;
    }
    if (!row) {
      if (!s.reference) return; // not enough to draw a new row
      row = el("li", { class: "inc", dataset: { id: s.id, created: s.created_at || new Date().toISOString(), answered: s.call_answered_at || "", routed: s.routed_at || "" } },
        el("span", { class: "ref" }, s.reference), el("span", { class: "prio" }), el("span", { class: "cat" }), el("span", { class: "status" }),
        el("span", { class: "addr" }), el("span", { class: "callers", title: t("jumlah pelapor") }, "👥 ", el("b", {})),
        el("span", { class: "times" }, el("span", { class: "t-age" }), " ", el("span", { class: "t-intervals" })));
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
    row.className = `inc p${row.dataset.priority} st-${row.dataset.status}`;
    if (!row.parentNode) placeRow(row);
    else if (s.priority) { row.remove(); placeRow(row); }
    paintTimes(row, Date.now());
    addMarker(row);
    updateCount();
  }

  function placeRow(row) {
    // Priority first, newest first within a priority: the same order as the server's render.
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
    row.querySelector(".t-age").textContent = fmt(t("%(m)s lalu"), { m: mmss(now - created) });
    const parts = [];
    if (answered) parts.push(t("jawab→tiket") + " " + mmss(created - answered));
    if (routed) parts.push(t("tiket→terus") + " " + mmss(routed - created));
    else parts.push(t("belum diteruskan"));
    row.querySelector(".t-intervals").textContent = parts.join(" · ");
  }

  const markers = new Map();
  function addMarker(row) {
    const id = row.dataset.id;
    const lat = parseFloat(row.dataset.lat), lon = parseFloat(row.dataset.lon);
    if (Number.isNaN(lat) || Number.isNaN(lon)) return;
    const m = markers.get(id);
    if (m) { m.setLatLng([lat, lon]); return; }
    const colour = { 1: "#c8102e", 2: "#d4600c", 3: "#9a6700", 4: "#57606a" }[row.dataset.priority] || "#57606a";
    markers.set(id, L.circleMarker([lat, lon], { radius: 6, color: colour, weight: 2, fillOpacity: 0.5 })
      .bindTooltip(row.querySelector(".ref").textContent).addTo(incidentLayer));
  }
  function removeMarker(id) {
    const m = markers.get(String(id));
    if (m) { m.remove(); markers.delete(String(id)); }
  }

  // ───────────────────────── ringing calls ─────────────────────────
  function addRinging(c) {
    if (document.querySelector(`#ringing .ringing-call[data-call-id="${c.id}"]`)) return;
    if (call && call.id === c.id) return;
    $("ringing").append(el("div", { class: "ringing-call", dataset: { callId: c.id, number: c.caller_number || "" } },
      el("span", { class: "bell", "aria-hidden": "true" }, "☎"), " ",
      el("span", { class: "ringing-number" }, c.caller_number || t("nomor tersembunyi")), " ",
      el("span", { class: "ringing-line" }, c.line || ""), " ",
      el("button", { type: "button", class: "claim-btn", dataset: { callId: c.id } }, t("Angkat"), " ", el("kbd", {}, "F2"))));
  }
  function removeRinging(id) {
    const node = document.querySelector(`#ringing .ringing-call[data-call-id="${id}"]`);
    if (node) node.remove();
  }
  $("ringing").addEventListener("click", async (e) => {
    const btn = e.target.closest(".claim-btn");
    if (!btn || call) return;
    const node = btn.closest(".ringing-call");
    $("ringing").prepend(node); // answer this one
    answerOrNew();
  });

  // ───────────────────────── live events ─────────────────────────
  function onEvent(ev) {
    const p = ev.payload || {};
    if (ev.kind === "call.ringing" && p.call) addRinging(p.call);
    else if ((ev.kind === "call.answered" || ev.kind === "call.closed") && p.call) {
      removeRinging(p.call.id);
    }
    if (p.incident && typeof p.incident === "object") {
      const s = { ...p.incident };
      if (s.location && !Array.isArray(s.location) && s.location.coordinates) s.location = s.location.coordinates;
      if (ev.kind === "incident.status_changed" && p.new === "routed") s.routed_at = ev.at;
      upsertIncident(s);
    }
  }

  function startLive() {
    const stateEl = $("live-state");
    const labels = { connecting: t("menghubungkan…"), live: t("langsung"), stale: t("terputus — data mungkin usang") };
    const onState = (state) => {
      stateEl.textContent = labels[state] || state;
      stateEl.className = "live-state " + state;
    };
    if (!window.LiveEvents || typeof window.LiveEvents.start !== "function") {
      onState("stale");
      return;
    }
    window.LiveEvents.start({ url: "/ws/events/", lastSeq: Number(root.dataset.lastSeq || 0), onEvent, onState });
  }

  // ───────────────────────── form wiring ─────────────────────────
  function fillForm() {
    $("f-number").value = draft.caller_number || "";
    $("f-name").value = draft.caller_name || "";
    const c = categoryByCode.get(draft.category);
    $("f-category").value = c ? c.name : draft.category_text || "";
    $("f-place").value = draft.place_text || "";
    $("f-address").value = draft.address || "";
    $("f-description").value = draft.description || "";
    $("f-allow-outside").checked = !!draft.allow_outside;
    $("outside-override").hidden = !draft.allow_outside;
    $("place-info").textContent = "";
    renderQuestions();
    if (draft.priority_touched && draft.priority) $("f-priority").value = String(draft.priority);
    suggestPriority();
    if (draft.location) setLocation(draft.location, null, { quiet: false });
    else if (pin) { pin.remove(); pin = null; }
    if (!draft.location && !draft.caller_number) { $("duplicates").hidden = true; }
    if (!draft.caller_number) $("caller-history").hidden = true;
    clearErrors();
  }

  $("f-number").addEventListener("input", (e) => { draft.caller_number = e.target.value; saveDraft(); loadHistory(); refreshDuplicates(); });
  $("f-number").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); focus("f-name"); } });
  $("f-name").addEventListener("input", (e) => { draft.caller_name = e.target.value; saveDraft(); });
  $("f-name").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); focus("f-category"); } });
  $("f-category").addEventListener("input", (e) => {
    draft.category_text = e.target.value;
    const c = categoryByCode.get(draft.category);
    if (c && e.target.value !== c.name) { draft.category = ""; renderQuestions(); suggestPriority(); }
    saveDraft();
  });
  $("f-place").addEventListener("input", (e) => { draft.place_text = e.target.value; saveDraft(); });
  $("f-address").addEventListener("input", (e) => { draft.address = e.target.value; saveDraft(); });
  $("f-address").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); focus("f-description"); } });
  $("f-description").addEventListener("input", (e) => { draft.description = e.target.value; saveDraft(); });
  $("f-description").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.altKey) { e.preventDefault(); save(); }
  });
  $("f-priority").addEventListener("change", (e) => { draft.priority_touched = true; draft.priority = Number(e.target.value); suggestPriority(); saveDraft(); });
  $("f-allow-outside").addEventListener("change", (e) => { draft.allow_outside = e.target.checked; saveDraft(); });
  $("incident-form").addEventListener("submit", (e) => { e.preventDefault(); save(); });
  $("btn-new-call").addEventListener("click", answerOrNew);
  $("btn-clear").addEventListener("click", clearForm);
  document.querySelectorAll("[data-disposition]").forEach((b) => b.addEventListener("click", () => closeAs(b.dataset.disposition)));
  $("help-toggle").addEventListener("click", () => { $("shortcut-help").hidden = !$("shortcut-help").hidden; });

  function clearForm() {
    draft = newDraft(true);
    saveDraft();
    fillForm();
    focus("f-category");
  }

  function toggleOverride() {
    const box = $("f-allow-outside");
    $("outside-override").hidden = false;
    box.checked = !box.checked;
    draft.allow_outside = box.checked;
    saveDraft();
    if (box.checked) save();
  }

  // ───────────────────────── global shortcuts ─────────────────────────
  const ALT_KEYS = {
    KeyG: () => closeAs("ghost"), KeyP: () => closeAs("prank"), KeyI: () => closeAs("info"), KeyM: () => closeAs("misdial"),
    KeyK: () => focus("f-category"), KeyL: () => focus("f-place"), KeyA: useAml, KeyD: () => linkDuplicate(duplicates[0]),
    KeyO: toggleOverride, KeyX: clearForm,
  };
  document.addEventListener("keydown", (e) => {
    if (e.key === "F2") { e.preventDefault(); answerOrNew(); return; }
    if (e.altKey && !e.ctrlKey && !e.metaKey && ALT_KEYS[e.code]) { e.preventDefault(); ALT_KEYS[e.code](); return; }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); save(); return; }
    if (e.key === "Escape") { $("shortcut-help").hidden = true; return; }
    if (e.key === "?" && !isTextField(e.target)) { e.preventDefault(); $("shortcut-help").hidden = !$("shortcut-help").hidden; }
  }, true);

  // ───────────────────────── start ─────────────────────────
  const now = Date.now();
  for (const row of listEl.children) paintTimes(row, now);
  // Markers after first paint: the list is what the call-taker reads first.
  requestAnimationFrame(() => { for (const row of listEl.children) addMarker(row); });
  setInterval(() => {
    tickTimer();
    document.querySelectorAll("#assignments .assignment").forEach((a) => {
      const cd = a.querySelector(".countdown");
      if (cd && a.dataset.deadline) cd.textContent = mmss(Date.parse(a.dataset.deadline) - Date.now());
    });
  }, 1000);
  setInterval(() => { const n = Date.now(); for (const row of listEl.children) paintTimes(row, n); }, 15000);

  renderCall();
  fillForm();
  startLive();
  if (call && draft.caller_number) loadHistory();

  // Reference data comes embedded in the page (same shapes as the API); fetched only when missing.
  const fromPage = (data, url) => (data ? Promise.resolve(data) : api("GET", url));
  Promise.all([
    fromPage(cfg.categories, cfg.api.categories).then((data) => {
      categories = Array.isArray(data) ? data : data.results || [];
      categoryByCode = new Map(categories.map((c) => [c.code, c]));
    }),
    fromPage(cfg.agencies, `${cfg.api.agencies}?command_centre=${encodeURIComponent(cfg.centre || "")}`).then((data) => {
      centreAgencies = Array.isArray(data) ? data : data.results || [];
    }).catch(() => { centreAgencies = []; }),
  ]).then(() => {
    // The draft's category and questions need the category list.
    const c = categoryByCode.get(draft.category);
    if (c) { $("f-category").value = c.name; renderQuestions(); suggestPriority(); }
    const pending = localStorage.getItem(ROUTE_KEY);
    if (pending) {
      try { openRouting(JSON.parse(pending)); } catch (e) { localStorage.removeItem(ROUTE_KEY); }
    }
    document.documentElement.dataset.ctReadyAt = String(Math.round(performance.now()));
    document.documentElement.dataset.ctReady = "1";
    document.dispatchEvent(new CustomEvent("calltaker:ready"));
  }).catch((err) => {
    $("form-error").textContent = (err.error && err.error.message) || t("Gagal memuat daftar kategori.");
    document.documentElement.dataset.ctReady = "error";
  });

  window.CallTaker = { get draft() { return draft; }, get call() { return call; } };
})();
