/* Volunteer call-outs inside the call-taker and dispatcher consoles: the current incident's call-outs and who is
 * coming (live), and the "call out volunteers" dialog (one key: Alt+V) with the proposal — the nearest available
 * members with the needed skill.
 *
 *   const vol = mountCallouts({ panel, current: () => ({ id, reference, category }) | null, timeZone });
 *   vol.onEvent(ev);   // from the console's live socket
 *   vol.open();        // the dialog for the current incident
 *   vol.tick();        // once a second: follows the current incident, counts down the deadlines
 */
import { apiResult } from "../lib/api.js";
import { confirmInPlace } from "../lib/confirm.js";
import { el } from "../lib/dom.js";
import { t, fmt, num } from "../lib/i18n.js";
import { clockFormatter, mmss } from "../lib/time.js";

const ONE_DECIMAL = { minimumFractionDigits: 1, maximumFractionDigits: 1 };  // in the page's language: 1,2 km / 1.2 km

// The skills a category usually needs (the dialog's first proposal; the call-taker can change them).
const CATEGORY_SKILLS = {
  medis: ["first_aid"], permintaan_ambulans: ["ambulance"], kecelakaan_lalu_lintas: ["first_aid"],
  orang_tenggelam: ["water_rescue"], banjir: ["evacuation", "boat"], bencana_alam: ["evacuation", "search"],
  pohon_tumbang: ["chainsaw"], evakuasi_hewan: ["snake_handling", "animal_rescue"], kebakaran: ["firefighting"],
  kebakaran_hutan_lahan: ["forest_fire"], rumah_roboh: ["search"],
};
const RESPONSE = {
  pending: t("belum menjawab"), accepted: t("bersedia datang"), declined: t("tidak bisa"), en_route: t("menuju lokasi"),
  on_scene: t("di lokasi"), done: t("selesai"), stood_down: t("tidak diperlukan"),
};
const CALLOUT = { sent: t("menunggu relawan"), filled: t("terpenuhi"), expired: t("lewat batas"), completed: t("selesai"), cancelled: t("dibatalkan") };
const COMING = new Set(["accepted", "en_route", "on_scene", "done"]);

export function mountCallouts({ panel, current, timeZone }) {
  const clock = clockFormatter(timeZone);
  let shown = null;       // the incident id the panel shows
  let callouts = [];
  let skills = null;
  let dialog = null;
  let timer = null;

  async function load() {
    if (!shown) { callouts = []; render(); return; }
    const res = await apiResult("GET", `/api/v1/callouts/?incident=${shown}`);
    if (res.ok) { callouts = res.data; render(); }
  }
  function loadSoon() { if (!timer) timer = setTimeout(() => { timer = null; load(); }, 60); }

  function render() {
    panel.hidden = !shown;
    if (!shown) return;
    const inc = current();
    const head = el("h3", {}, t("Relawan"), inc && inc.reference ? " · " + inc.reference : "", " ", el("button", { type: "button", class: "secondary open-callout", onclick: open }, t("Panggil relawan"), " ", el("kbd", {}, "Alt+V")));
    if (!callouts.length) { panel.replaceChildren(head, el("div", { class: "co-line hint" }, t("Belum ada panggilan relawan."))); return; }
    panel.replaceChildren(head, ...callouts.map((c) => {
      const coming = c.responses.filter((r) => COMING.has(r.status));
      return el("div", { class: "callout-row", dataset: { id: c.id, deadline: c.status === "sent" ? c.ack_deadline || "" : "" } },
        el("div", { class: "co-line" }, el("b", {}, c.community_name || (c.skill_names || []).join(", ")), " · ",
          CALLOUT[c.status] || c.status, " · ",
          el("span", { class: "co-counts" }, fmt(t("dibutuhkan %(n)s · bersedia %(a)s · tidak bisa %(d)s · belum menjawab %(p)s"),
            { n: c.needed, a: c.accepted, d: c.declined, p: c.pending })),
          c.status === "sent" && c.ack_deadline ? [" · ", el("span", { class: "co-countdown" }, "")] : "",
          (c.status === "sent" || c.status === "filled" || c.status === "expired") && c.can_cancel !== false
            ? [" ", el("button", { type: "button", class: "link cancel-callout", onclick: (e) => cancel(c, e.currentTarget.closest(".callout-row")) }, t("Batalkan"))] : ""),
        el("ul", { class: "coming" }, coming.map((r) => el("li", { class: "co-line coming-" + r.status },
          el("b", {}, r.volunteer_name), " (", r.community_name, ") — ", RESPONSE[r.status] || r.status,
          r.distance_m != null ? " · " + (r.distance_m >= 1000 ? num(r.distance_m / 1000, ONE_DECIMAL) + " km" : r.distance_m + " m") : "",
          r.reply ? " · “" + r.reply + "”" : "", r.on_scene_at ? " · " + fmt(t("tiba %(t)s"), { t: clock(r.on_scene_at) }) : "",
          r.note ? " · " + r.note : ""))));
    }));
    tickCountdowns();
  }

  function tickCountdowns() {
    panel.querySelectorAll(".callout-row").forEach((row) => {
      const cd = row.querySelector(".co-countdown");
      if (cd && row.dataset.deadline) cd.textContent = fmt(t("batas jawab %(t)s"), { t: mmss(Date.parse(row.dataset.deadline) - Date.now()) });
    });
  }

  async function cancel(c, host) {
    const sure = await confirmInPlace({ host: host || panel, confirmLabel: t("Batalkan panggilan"),
      message: t("Batalkan panggilan relawan ini? Semua yang dipanggil diberi tahu.") });
    if (!sure) return;
    await apiResult("POST", `/api/v1/callouts/${c.id}/cancel/`, {});
    load();
  }

  // ───────── the dialog ─────────
  async function open() {
    const inc = current();
    if (!inc) {
      // Said in the page, in Indonesian (a browser alert() speaks the browser's language and blocks the console).
      panel.hidden = false;
      panel.replaceChildren(el("p", { class: "call-message error", role: "alert" }, t("Simpan atau pilih kejadian dulu.")));
      return;
    }
    if (!skills) {
      const res = await apiResult("GET", "/api/v1/volunteer-skills/");
      skills = res.ok ? res.data : [];
    }
    const wanted = new Set(CATEGORY_SKILLS[inc.category] || ["first_aid"]);
    if (dialog) dialog.remove();
    const list = el("ol", { class: "proposal" });
    const error = el("div", { class: "field-error", role: "alert" });
    const radius = el("input", { type: "number", id: "co-radius", min: "0.1", max: "100", step: "0.5", value: "5" });
    const needed = el("input", { type: "number", id: "co-needed", min: "1", max: "50", value: "2" });
    const note = el("input", { type: "text", id: "co-note", maxlength: "500", placeholder: t("Catatan untuk relawan (tanpa data pelapor)") });
    const boxes = skills.map((s) => el("label", { class: "pill" }, el("input", { type: "checkbox", value: s.code, checked: wanted.has(s.code), onchange: propose }), " ", s.name));
    const chosen = () => boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    const metresOf = () => Math.round(parseFloat(String(radius.value).replace(",", ".")) * 1000);

    async function propose() {
      error.textContent = "";
      const res = await apiResult("GET", `/api/v1/incidents/${inc.id}/callouts/proposal/?skills=${encodeURIComponent(chosen().join(","))}&radius_m=${metresOf() || ""}`);
      if (!res.ok) { error.textContent = res.error.message; list.replaceChildren(); return; }
      list.replaceChildren(...(res.data.length ? res.data.slice(0, 10).map((m) => el("li", {}, el("b", {}, m.name), " · ", m.community_name, " · ",
        m.distance_m >= 1000 ? num(m.distance_m / 1000, ONE_DECIMAL) + " km" : m.distance_m + " m")) : [el("li", { class: "hint" }, t("Tidak ada relawan siaga yang cocok dalam radius ini."))]));
      if (res.data.length > 10) list.append(el("li", { class: "hint" }, fmt(t("… dan %(n)s lainnya"), { n: res.data.length - 10 })));
    }
    async function send() {
      error.textContent = "";
      const res = await apiResult("POST", `/api/v1/incidents/${inc.id}/callouts/`, {
        skills: chosen(), radius_m: metresOf(), needed: Number(needed.value), note: note.value });
      if (!res.ok) {
        error.textContent = res.error.message + " " + Object.values(res.error.fields || {}).flat().join(" ");
        return;
      }
      close();
      shown = inc.id;
      load();
    }
    function close() { if (dialog) { dialog.remove(); dialog = null; } }
    radius.addEventListener("change", propose);
    dialog = el("div", { class: "callout-dialog", role: "dialog", "aria-label": t("Panggil relawan"), tabindex: "-1",
      onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); close(); } else if (e.key === "Enter" && e.target.type !== "checkbox") { e.preventDefault(); send(); } } },
      el("h2", {}, t("Panggil relawan"), " · ", inc.reference || ""),
      el("div", { class: "skills" }, boxes),
      el("p", {}, el("label", { for: "co-radius" }, t("Radius (km)")), " ", radius, " ",
        el("label", { for: "co-needed" }, t("Dibutuhkan")), " ", needed),
      el("p", {}, note),
      el("h3", {}, t("Terdekat yang siaga")), list, error,
      el("p", {}, el("button", { type: "button", class: "primary send-callout", onclick: send }, t("Kirim panggilan"), " ", el("kbd", {}, "Enter")), " ",
        el("button", { type: "button", class: "secondary", onclick: close }, t("Tutup"), " ", el("kbd", {}, "Esc"))));
    document.body.append(dialog);
    needed.focus();
    propose();
  }

  return {
    open,
    onEvent(ev) {
      const inc = ev.payload && ev.payload.incident;
      if (ev.kind.startsWith("callout.") && inc && inc.id === shown) loadSoon();
    },
    tick() {
      const inc = current();
      const id = inc ? inc.id : null;
      if (id !== shown) { shown = id; callouts = []; load(); }
      tickCountdowns();
    },
  };
}
