/* Suspected cardiac arrest on the call-taker console (issue 30): the red banner, the P1, and the CPR panel — a short
 * hands-only script, a metronome at 110/min (seen and heard), one key per step — while routing goes on in parallel.
 *
 * Recognised in the browser, with no round trip: the moment both answers of a medical call are "no" or "not sure"
 * (lib/cardiac.js, the server's rule), the banner shows and the panel takes the focus. The steps are timed here and
 * posted to POST /api/v1/incidents/{id}/cpr/ with their `at`: coaching starts before the incident is saved, so a step
 * taken on the draft waits in the browser (localStorage: a reload loses nothing) and is sent, with its own time, once
 * the incident exists. Alt+R flags an arrest later in the call (the patient collapses while the caller talks) or, once
 * flagged, brings the focus back to the panel; in the panel 1–6 are the steps, M the metronome's sound, Enter/Esc go
 * back to the call.
 *
 * The panel sits at the top of the right column: it never covers the form, the map or the routing panel (whose
 * warning for an unrouted incident stays in view). */
import { $, S, ask, cfg, focus } from "./state.js";
import { api } from "../lib/api.js";
import { confirmInPlace } from "../lib/confirm.js";
import { CPR_STEPS, METRONOME_BPM, asksCardiacQuestions, suspectedArrest } from "../lib/cardiac.js";
import { el } from "../lib/dom.js";
import { t, fmt, num } from "../lib/i18n.js";
import { mmss } from "../lib/time.js";
import { tone } from "../lib/sound.js";

const STORE_KEY = "ct-cpr:" + cfg.user;
const AED_RADIUS_M = 800;
const BEAT_MS = 60000 / METRONOME_BPM;

export const STEP_LABEL = {
  recognised: t("Henti jantung dikenali"),
  instructions_started: t("Instruksi RJP dimulai"),
  first_compression: t("Kompresi pertama"),
  aed_on_scene: t("AED tiba di lokasi"),
  ems_on_scene: t("Ambulans / petugas tiba"),
  stopped: t("RJP dihentikan"),
};

// The script read to the caller, in plain Bahasa Indonesia (docs/guides/call-taker.md, "Panduan RJP").
const SCRIPT = [
  t("Nyalakan pengeras suara (speaker) ponsel Anda dan letakkan di dekat pasien."),
  t("Baringkan pasien telentang di lantai yang keras dan rata."),
  t("Berlutut di samping dada pasien. Letakkan pangkal telapak tangan di tengah dada, tangan yang lain di atasnya."),
  t("Tekan sekuat dan secepat mungkin, ikuti bunyi ketukan ini. Biarkan dada naik kembali setelah setiap tekanan."),
  t("Hitung keras-keras: satu, dua, tiga, empat…"),
  t("Jangan berhenti sampai ambulans atau petugas tiba, atau AED siap dipakai. Bila lelah, bergantian tanpa jeda."),
];

let cpr = load(); // { draftKey, incident, reference, source, steps: {step: iso}, sent: {step: true}, muted, aeds, callout }
let returnTo = null; // where the focus was before the panel took it
let metronome = null;
let beats = 0;
let flushing = false;
let early = []; // live events that came before the incident's id (onEvent)
// An AED's access, as people say it (agencies.Aed.Access).
const ACCESS = { public: t("umum"), restricted: t("terbatas (tanya penjaga)") };

function load() {
  try { return JSON.parse(localStorage.getItem(STORE_KEY) || "null"); } catch (e) { return null; }
}
function store() {
  try {
    if (cpr) localStorage.setItem(STORE_KEY, JSON.stringify(cpr));
    else localStorage.removeItem(STORE_KEY);
  } catch (e) { /* storage full: the panel still works */ }
}

const nowIso = () => new Date().toISOString();
const running = () => Boolean(cpr && cpr.steps.instructions_started && !cpr.steps.stopped);

// ───────────────────────── recognition ─────────────────────────
/* The answers of the draft changed (questions.js): open or (while nothing but the recognition happened) withdraw. */
export function answersChanged() {
  const c = S.categoryByCode.get(S.draft.category);
  const suspected = Boolean(c && asksCardiacQuestions(c.question_script) && suspectedArrest(S.draft.answers));
  const onThisDraft = cpr && cpr.draftKey === S.draft.key && !cpr.incident;
  if (suspected && !onThisDraft) {
    activate({ draftKey: S.draft.key, source: "answers" });
  } else if (!suspected && onThisDraft && cpr.source === "answers" && Object.keys(cpr.steps).length === 1) {
    // A slip corrected ("ya" after all) before any coaching: no arrest to record.
    close();
  }
}

function activate({ draftKey = null, incident = null, reference = "", source }) {
  if (cpr && cpr.incident) flush(); // the previous arrest's steps still go out
  stopMetronome();
  cpr = {
    draftKey, incident, reference, source, steps: { recognised: nowIso() }, sent: {}, queued: incident ? {} : { recognised: true },
    muted: cpr ? cpr.muted : false, aeds: [], callout: null,
  };
  store();
  render();
  const banner = $("cardiac-banner");
  document.documentElement.dataset.cardiacBannerAt = String(performance.now());
  returnTo = document.activeElement && document.activeElement.id ? document.activeElement.id : null;
  $("cpr-panel").focus();
  if (banner) banner.scrollIntoView({ block: "nearest" });
  loadAeds();
  flush();
}

/* Alt+R: flag an arrest noticed later in the call, or, when one is open, reach its panel. */
export function flagOrFocus() {
  if (cpr) {
    returnTo = document.activeElement && document.activeElement.id !== "cpr-panel" ? document.activeElement.id : returnTo;
    $("cpr-panel").focus();
    return;
  }
  const drafting = S.call || S.draft.category || S.draft.location;
  if (drafting) activate({ draftKey: S.draft.key, source: "flag" });
  else if (S.routing && S.routing.incident) activate({ incident: S.routing.incident, reference: S.routing.reference, source: "flag" });
  else { ask("callMessage", t("Tidak ada panggilan atau kejadian untuk ditandai henti jantung."), "error"); return; }
  ask("suggestPriority");
}

/* A suspected arrest makes the draft P1 on screen, whatever the answers (the flag included). */
export function forcesP1() {
  return Boolean(cpr && cpr.draftKey && cpr.draftKey === S.draft.key && !cpr.incident);
}

export function hasFocus() {
  const panel = $("cpr-panel");
  return Boolean(panel && panel.contains(document.activeElement));
}

// ───────────────────────── steps ─────────────────────────
async function step(name) {
  if (!cpr) return;
  if (name === "stopped" && !cpr.steps.stopped) {
    const sure = await confirmInPlace({
      host: $("cpr-panel"), message: t("Hentikan RJP? Metronom berhenti dan langkah ini dicatat."),
      confirmLabel: t("Hentikan"), cancelLabel: t("Batal"),
    });
    if (!sure) { $("cpr-panel").focus(); return; }
  }
  if (!cpr.steps[name]) {
    cpr.steps[name] = nowIso(); // the first time stands
    if (!cpr.incident) cpr.queued[name] = true; // taken on the draft: sent later, with this time
  }
  if (name === "stopped") stopMetronome();
  if (name === "instructions_started" && !cpr.steps.stopped) startMetronome();
  store();
  render();
  $("cpr-panel").focus();
  flush();
}

/* Send what the server has not got yet, in step order, each with the time it was taken. */
async function flush() {
  if (!cpr || !cpr.incident || flushing) return;
  flushing = true;
  const target = cpr;
  try {
    for (const name of CPR_STEPS) {
      if (!target.steps[name] || target.sent[name]) continue;
      const path = `${cfg.api.incidents}${target.incident}/cpr/`;
      try {
        // A step taken before the incident existed carries the time it was taken; a live one takes the server's.
        let answer;
        try {
          answer = await api("POST", path, target.queued[name] ? { step: name, at: target.steps[name] } : { step: name });
        } catch (err) {
          // a server that does not take `at` (or not this one): the step still counts, at the server's time
          if (err.status === 400 && err.error && err.error.fields && err.error.fields.at) answer = await api("POST", path, { step: name });
          else throw err;
        }
        target.sent[name] = true;
        if (answer && answer.cardiac_arrest) fromServer(answer.cardiac_arrest);
        showError("");
      } catch (err) {
        if (err.network || (err.status && err.status >= 500)) break; // tried again on the next tick
        target.sent[name] = true; // refused for good (scope, a closed incident): said once, not retried forever
        showError((err.error && err.error.message) || t("Langkah RJP ditolak server."));
      }
    }
  } finally {
    flushing = false;
    if (target === cpr) store();
    render();
  }
}

function showError(message) {
  const box = $("cpr-error");
  if (box) box.textContent = message;
}

/* The incident of the draft is saved (form.js, before the draft is cleared): the queued steps go out. */
export function incidentSaved(data, draftKey) {
  if (!cpr || cpr.incident || cpr.draftKey !== draftKey) return;
  cpr.queued = cpr.queued || {};
  cpr.incident = data.id;
  cpr.reference = data.reference;
  fromServer(data.cardiac_arrest);
  const waiting = early.filter((ev) => String(ev.incident) === String(data.id));
  early = [];
  store();
  render();
  waiting.forEach(onEvent);
  flush();
}

/* The server's `cardiac_arrest` block: nearest AEDs and the automatic call-out's result. */
function fromServer(block) {
  if (!cpr || !block) return;
  if (Array.isArray(block.nearest_aeds)) { cpr.aeds = block.nearest_aeds; ask("showAeds", cpr.aeds); }
}

/* Live events of the incident: a step taken on another console (cardiac_arrest.step), the server's block (every
 * incident summary carries `cardiac_arrest`), the automatic call-out — and "nobody available" (callout.none_available). */
export function onEvent(ev) {
  // The automatic call-out follows the create's commit: its events can come before the create's answer, while the
  // panel does not know its incident yet — kept a moment, replayed by incidentSaved.
  if (cpr && !cpr.incident && ev.incident) { early.push(ev); if (early.length > 50) early.shift(); return; }
  if (!cpr || !cpr.incident || String(ev.incident) !== String(cpr.incident)) return;
  const p = ev.payload || {};
  if (ev.kind === "cardiac_arrest.step" && p.step && p.at) {
    // a step taken on another console (the times shown here are those this console took)
    if (!cpr.steps[p.step]) cpr.steps[p.step] = p.at;
    cpr.sent[p.step] = true;
    if (p.step === "instructions_started" && !cpr.steps.stopped) startMetronome();
    if (p.step === "stopped") stopMetronome();
  }
  const block = p.cardiac_arrest || (p.incident && typeof p.incident === "object" && p.incident.cardiac_arrest);
  if (block) fromServer(block);
  if (ev.kind === "callout.none_available") {
    const key = p.role === "aed_runner" ? "noneAed" : "noneCpr";
    cpr.callout = { ...(cpr.callout || {}), [key]: { radius_m: p.radius_m || null } };
  } else if (ev.kind.startsWith("callout.") && p.callout && p.callout.purpose === "cardiac_arrest") {
    const runner = Boolean(p.callout.aed);
    const prev = cpr.callout || {};
    cpr.callout = { ...prev, sent: true, [runner ? "aedRunner" : "cpr"]: { needed: p.callout.needed, accepted: p.callout.accepted } };
  }
  store();
  render();
}

// ───────────────────────── AEDs ─────────────────────────
async function loadAeds() {
  if (!cpr) return;
  const loc = !cpr.incident ? S.draft.location : null;
  if (!loc) return;
  try {
    const data = await api("GET", `/api/v1/aeds/?near=${loc.lon},${loc.lat}&radius_m=${AED_RADIUS_M}`);
    if (!cpr) return;
    cpr.aeds = (Array.isArray(data) ? data : data.results || []).slice(0, 3);
    ask("showAeds", cpr.aeds);
    store();
    render();
  } catch (err) { /* the registry may be unreachable: coaching goes on without it */ }
}

export function locationChanged() {
  if (cpr && !cpr.incident && cpr.draftKey === S.draft.key) loadAeds();
}

// ───────────────────────── metronome ─────────────────────────
function startMetronome() {
  if (metronome) return;
  beats = 0;
  metronome = setInterval(beat, BEAT_MS);
  beat();
}
function stopMetronome() {
  if (metronome) clearInterval(metronome);
  metronome = null;
  const panel = $("cpr-panel");
  if (panel) panel.dataset.metronome = "stopped";
}
function beat() {
  beats += 1;
  const panel = $("cpr-panel");
  if (!panel) return;
  panel.dataset.metronome = "running";
  panel.dataset.beats = String(beats);
  const dot = $("cpr-beat");
  if (dot) {
    dot.textContent = String(((beats - 1) % 30) + 1);
    dot.classList.remove("on");
    void dot.offsetWidth; // restart the pulse animation
    dot.classList.add("on");
  }
  if (!cpr || !cpr.muted) tone({ frequency: 1320, seconds: 0.05, volume: 0.12 });
}
function toggleMute() {
  if (!cpr) return;
  cpr.muted = !cpr.muted;
  store();
  render();
}

// ───────────────────────── leaving, closing ─────────────────────────
function leave() {
  const back = returnTo;
  returnTo = null;
  // From the cardiac questions the call goes on with the place, as the Enter flow would.
  if (!back || back.startsWith("q-")) ask("flowNext", "q-breathing");
  else focus(back);
}

function close() {
  stopMetronome();
  if (cpr && cpr.incident) flush();
  cpr = null;
  store();
  ask("showAeds", []);
  render();
}

async function askClose() {
  if (!cpr) return;
  const unsent = cpr.incident ? CPR_STEPS.some((s) => cpr.steps[s] && !cpr.sent[s]) : Object.keys(cpr.steps).length > 0;
  if (!cpr.steps.stopped || unsent) {
    const sure = await confirmInPlace({
      host: $("cpr-panel"), message: unsent ? t("Tutup panel RJP? Langkah yang belum terkirim akan hilang.") : t("Tutup panel RJP?"),
      confirmLabel: t("Tutup"), cancelLabel: t("Batal"),
    });
    if (!sure) return;
  }
  close();
  leave();
}

// ───────────────────────── rendering ─────────────────────────
function sinceRecognised(iso) {
  return "+" + mmss(Date.parse(iso) - Date.parse(cpr.steps.recognised));
}

function calloutLine() {
  const c = cpr.callout;
  if (!c) return null;
  const lines = [];
  if (c.cpr) {
    lines.push(el("p", { class: "cpr-callout", role: "status" }, t("Relawan RJP terdekat dipanggil otomatis"), " · ",
      fmt(t("%(a)s dari %(n)s bersedia datang"), { a: num(c.cpr.accepted || 0), n: num(c.cpr.needed) })));
  } else if (c.noneCpr) {
    lines.push(el("p", { class: "cpr-callout none", role: "status" }, c.noneCpr.radius_m
      ? fmt(t("Tidak ada relawan RJP tersedia dalam radius %(m)s m."), { m: num(c.noneCpr.radius_m) })
      : t("Tidak ada relawan RJP tersedia di dekat lokasi.")));
  }
  if (c.aedRunner) {
    lines.push(el("p", { class: "cpr-callout", role: "status" },
      c.aedRunner.accepted ? t("Seorang relawan mengambil AED.") : t("Seorang relawan diminta mengambil AED.")));
  } else if (c.noneAed) {
    lines.push(el("p", { class: "cpr-callout none", role: "status" }, t("Tidak ada relawan yang dapat mengambil AED.")));
  }
  return lines;
}

export function render() {
  const panel = $("cpr-panel");
  const banner = $("cardiac-banner");
  if (!cpr) {
    panel.hidden = true;
    banner.hidden = true;
    panel.replaceChildren();
    return;
  }
  banner.hidden = false;
  $("cardiac-banner-ref").textContent = cpr.reference ? cpr.reference : t("belum disimpan");
  panel.hidden = false;
  panel.dataset.incident = cpr.incident || "";
  panel.dataset.metronome = running() && metronome ? "running" : "stopped";
  const stepRows = CPR_STEPS.map((name, i) => {
    const at = cpr.steps[name];
    const state = !at ? "todo" : cpr.sent[name] || !cpr.incident ? "done" : "pending";
    return el("li", { class: "cpr-step " + state, "data-step": name },
      el("kbd", {}, String(i + 1)), " ", STEP_LABEL[name],
      at ? el("span", { class: "cpr-at" }, " ", sinceRecognised(at), cpr.incident && !cpr.sent[name] ? " · " + t("belum terkirim") : "") : "");
  });
  const aeds = (cpr.aeds || []).map((a) => el("li", {},
    el("b", {}, a.name), " · ", a.distance_m != null ? fmt(t("%(m)s m"), { m: num(Math.round(a.distance_m)) }) : "",
    a.address ? el("div", { class: "hint" }, a.address) : "",
    a.access || a.available_hours ? el("div", { class: "hint" }, [ACCESS[a.access] || a.access, a.available_hours].filter(Boolean).join(" · ")) : ""));
  panel.replaceChildren(...[
    el("h2", {}, t("Panduan RJP (tangan saja)"), " ", el("span", { class: "ref" }, cpr.reference || "")),
    el("div", { class: "cpr-metronome" },
      el("span", { id: "cpr-beat", class: "cpr-beat", "aria-hidden": "true" }, "·"),
      el("span", {}, fmt(t("%(n)s tekanan/menit"), { n: METRONOME_BPM })),
      el("span", { class: "hint" }, running() ? (cpr.muted ? t("suara mati") : t("suara hidup")) : t("mulai dengan 2")),
      el("span", { class: "hint" }, el("kbd", {}, "M"), " ", t("suara"))),
    el("ol", { class: "cpr-script" }, SCRIPT.map((line) => el("li", {}, line))),
    el("ol", { class: "cpr-steps", "aria-label": t("Langkah RJP") }, stepRows),
    ...(calloutLine() || []),
    aeds.length ? el("div", { class: "cpr-aeds" }, el("h3", {}, t("AED terdekat")), el("ol", {}, aeds)) : null,
    el("p", { id: "cpr-error", class: "field-error", role: "alert" }),
    el("p", { class: "hint" }, el("kbd", {}, "1"), "–", el("kbd", {}, "6"), " ", t("langkah"), " · ", el("kbd", {}, "Enter"), "/", el("kbd", {}, "Esc"),
      " ", t("kembali ke panggilan"), " · ", el("kbd", {}, "Alt+R"), " ", t("ke panel ini"), " · ", el("kbd", {}, "X"), " ", t("tutup panel")),
  ].filter(Boolean));
  if (running() && !metronome) startMetronome();
}

export function tick() {
  if (!cpr) return;
  const since = $("cardiac-banner-since");
  if (since) since.textContent = mmss(Date.now() - Date.parse(cpr.steps.recognised));
  if (cpr.incident && CPR_STEPS.some((s) => cpr.steps[s] && !cpr.sent[s])) flush();
}

export function initCpr() {
  const panel = $("cpr-panel");
  panel.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target !== panel) return; // the confirmation box has its own keys
    if (/^[1-6]$/.test(e.key)) { e.preventDefault(); e.stopPropagation(); step(CPR_STEPS[Number(e.key) - 1]); }
    else if (e.key === "m" || e.key === "M") { e.preventDefault(); toggleMute(); }
    else if (e.key === "x" || e.key === "X") { e.preventDefault(); askClose(); }
    else if (e.key === "Enter" || e.key === "Escape") { e.preventDefault(); e.stopPropagation(); leave(); }
  });
  panel.addEventListener("click", (e) => {
    const li = e.target.closest && e.target.closest("[data-step]");
    if (li) step(li.dataset.step);
  });
  render();
  if (cpr && cpr.aeds && cpr.aeds.length) ask("showAeds", cpr.aeds);
  flush();
}
