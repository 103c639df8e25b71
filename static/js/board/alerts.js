/* A new alert must be noticed: a short tone (Web Audio, no sound file) and a visible flash of the alerts panel
 * and the page; muting (button or the M key) is remembered on this PC. "Tandai sudah ditangani" marks every open
 * alert of the line's incident at once (POST /api/v1/incidents/{id}/alerts/acknowledge/), with an optional note,
 * after showing what it marks. */
import { apiResult, url } from "../lib/api.js";
import { byId, escapeHtml as esc } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { tone } from "../lib/sound.js";

const MUTE_KEY = "board.muted";
let muted = false, cfg = null, pendingIncident = null;

export function setupAlerts(config, onAcknowledged) {
  cfg = config;
  muted = window.localStorage.getItem(MUTE_KEY) === "1";
  const button = byId("mute");
  const show = () => {
    button.textContent = muted ? t("Bunyi: mati") : t("Bunyi: aktif");
    button.setAttribute("aria-pressed", String(muted));
  };
  button.addEventListener("click", () => { muted = !muted; window.localStorage.setItem(MUTE_KEY, muted ? "1" : "0"); show(); });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "m" || e.key === "M") button.click();
    if (e.key === "a" || e.key === "A") { const first = document.querySelector("#alerts button[data-ack-incident]"); if (first) first.focus(); }
  });
  show();

  const dialog = byId("ack-dialog");
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  byId("ack-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const slot = dialog.querySelector('.field-error[data-for="note"]');
    slot.textContent = "";
    byId("ack-submit").disabled = true;
    const res = await apiResult("POST", url(cfg.api.acknowledgeIncident, pendingIncident), { note: byId("ack-note").value });
    byId("ack-submit").disabled = false;
    if (!res.ok) { slot.textContent = (res.error.fields && res.error.fields.note) ? [].concat(res.error.fields.note).join(" ") : res.error.message; return; }
    dialog.close();
    onAcknowledged(res.data);
  });
}

/* The line's incident and its open alerts, each with its kind, time and message: what the button will mark. */
export function askAcknowledge(group, { label, clock }) {
  pendingIncident = group.incident;
  byId("ack-what").textContent = `${group.reference || ""}${group.priority ? " · P" + group.priority : ""} · ${fmt(t("%(n)s peringatan"), { n: group.open.length })}`;
  byId("ack-list").innerHTML = group.open.map((a) => `<li><time>${esc(clock(group.command_centre, a.raised_at))}</time>
    <b>${esc(label("alert", a.kind))}</b> <span>${esc(a.message || "")}</span></li>`).join("");
  byId("ack-note").value = "";
  byId("ack-note").parentElement.querySelector(".field-error").textContent = "";
  byId("ack-dialog").showModal();
  byId("ack-note").focus();
}

export function announce(alerts) {
  if (!alerts || !alerts.length) return;
  if (!muted) tone({ seconds: 0.6 });
  const panel = document.querySelector(".b-alerts");
  panel.classList.remove("flash");
  void panel.offsetWidth;   // restart the animation
  panel.classList.add("flash");
  document.body.classList.add("alert-flash");
  setTimeout(() => document.body.classList.remove("alert-flash"), 3000);
  document.title = fmt(t("(%(n)s) Peringatan baru"), { n: alerts.length }) + " · 112";
  setTimeout(() => { document.title = t("Papan supervisor") + " · 112"; }, 10000);
}
