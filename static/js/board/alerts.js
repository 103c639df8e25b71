/* A new alert must be noticed: a short tone (Web Audio, no sound file) and a visible flash of the alerts panel
 * and the page; muting (button or the M key) is remembered on this PC. Acknowledging asks for an optional note. */
import { apiResult, url } from "../lib/api.js";
import { byId } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { tone } from "../lib/sound.js";

const MUTE_KEY = "board.muted";
let muted = false, cfg = null, pendingId = null;

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
    if (e.key === "a" || e.key === "A") { const first = document.querySelector("#alerts button[data-ack]"); if (first) first.focus(); }
  });
  show();

  const dialog = byId("ack-dialog");
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  byId("ack-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const slot = dialog.querySelector('.field-error[data-for="note"]');
    slot.textContent = "";
    byId("ack-submit").disabled = true;
    const res = await apiResult("POST", url(cfg.api.acknowledge, pendingId), { note: byId("ack-note").value });
    byId("ack-submit").disabled = false;
    if (!res.ok) { slot.textContent = (res.error.fields && res.error.fields.note) ? [].concat(res.error.fields.note).join(" ") : res.error.message; return; }
    dialog.close();
    onAcknowledged(res.data);
  });
}

export function askAcknowledge(alert, describe) {
  pendingId = alert.id;
  byId("ack-what").textContent = describe;
  byId("ack-note").value = "";
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
