/* The volunteer's phone page: the call-outs sent to me, accept (with a short reply) or decline, a navigation
 * link, en route → on scene → done with my position and a note, my availability. Live through /ws/events/:
 * any call-out event refreshes the list (one small GET); the page never shows the caller. */
import { apiResult } from "../lib/api.js";
import { confirmInPlace } from "../lib/confirm.js";
import { el, byId, pageConfig } from "../lib/dom.js";
import { t, fmt, num } from "../lib/i18n.js";
import { start } from "../lib/live.js";
import { clockFormatter, pageTimeZone, mmss } from "../lib/time.js";

const ONE_DECIMAL = { minimumFractionDigits: 1, maximumFractionDigits: 1 };  // 0,8 km in Indonesian, 0.8 km in English

const root = byId("vol");
const config = pageConfig("vol-config");
const clock = clockFormatter(pageTimeZone(root));
const skew = Date.now() - Date.parse(config.serverNow);
let me = config.me;
let callouts = config.callouts;

const STATUS = {
  pending: t("Belum menjawab"), accepted: t("Bersedia datang"), declined: t("Tidak bisa"), en_route: t("Menuju lokasi"),
  on_scene: t("Di lokasi"), done: t("Selesai"), stood_down: t("Tidak diperlukan"),
};
const NEXT = { accepted: ["en_route", "on_scene", "done"], en_route: ["on_scene", "done"], on_scene: ["done"] };
const NEXT_LABEL = { en_route: t("Berangkat / menuju lokasi"), on_scene: t("Tiba di lokasi"), done: t("Selesai") };

function showError(message) { byId("vol-error").textContent = message || ""; }

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ type: "Point", coordinates: [p.coords.longitude, p.coords.latitude] }),
      () => resolve(null), { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  });
}

async function act(path, body) {
  showError("");
  const res = await apiResult("POST", path, body || {});
  if (!res.ok) showError(res.error.message);
  await refresh();
  return res;
}

function navLink(c) {
  const [lon, lat] = c.location.coordinates;
  return el("a", { class: "co-nav", href: `https://www.google.com/maps/dir/?api=1&destination=${lat},${lon}`, target: "_blank", rel: "noopener" },
    t("Navigasi ke lokasi"));
}

/* A cardiac arrest call-out (issue 30): what to do on arrival, and — for the one asked to fetch it — the AED. */
const CPR_REMINDER = [
  t("Pastikan aman, tepuk bahu dan panggil pasien."),
  t("Tidak sadar dan tidak bernapas normal: mulai tekan dada."),
  t("Pangkal telapak tangan di tengah dada, tekan 5–6 cm, 100–120 kali per menit."),
  t("Jangan berhenti sampai AED atau ambulans tiba."),
];
const AED_ACCESS = { public: t("umum"), restricted: t("terbatas (tanya penjaga)") };
function aedLink(aed) {
  const c = aed.location && (aed.location.coordinates || aed.location);
  if (!Array.isArray(c)) return null;
  return el("a", { class: "co-nav aed-nav", href: `https://www.google.com/maps/dir/?api=1&destination=${c[1]},${c[0]}`, target: "_blank", rel: "noopener" },
    t("Navigasi ke AED"));
}
function cardiacBlock(c, mine) {
  if (c.purpose !== "cardiac_arrest") return [];
  const aed = c.aed; // set on the AED runner's call-out only
  const nodes = [el("div", { class: "co-cardiac", role: "alert" }, t("Henti jantung — RJP segera"))];
  if (aed) {
    nodes.push(el("div", { class: "co-aed" },
      el("b", {}, t("Ambil AED dulu, lalu bawa ke pasien:")),
      el("div", { class: "aed-name", text: aed.name }),
      aed.address ? el("div", { text: aed.address }) : null,
      aed.access || aed.available_hours ? el("div", { class: "co-meta", text: [AED_ACCESS[aed.access] || aed.access, aed.available_hours].filter(Boolean).join(" · ") }) : null,
      aed.distance_m != null ? el("div", { class: "co-meta", text: fmt(t("%(km)s km dari pasien"), { km: num(aed.distance_m / 1000, ONE_DECIMAL) }) }) : null,
      aedLink(aed)));
  }
  // the server's reminder when it sends one (the same words for the SMS), else the page's own
  nodes.push(c.cpr_reminder ? el("p", { class: "co-cpr", text: c.cpr_reminder }) : el("ol", { class: "co-cpr" }, CPR_REMINDER.map((line) => el("li", { text: line }))));
  return nodes;
}

function card(c) {
  const mine = c.my_response || { status: "pending" };
  const nodes = [
    el("div", { class: "co-head" }, el("span", { class: "co-ref" }, c.reference),
      el("span", { class: "co-state " + mine.status, text: STATUS[mine.status] || mine.status })),
    el("div", { class: "co-cat", text: c.incident.category_name }),
    el("div", { class: "co-addr", text: c.address || t("Lokasi di peta") }),
    ...cardiacBlock(c, mine),
    c.description ? el("div", { class: "co-desc", text: c.description }) : null,
    el("div", { class: "co-meta" },
      fmt(t("Dibutuhkan %(n)s · sudah %(a)s bersedia"), { n: c.needed, a: c.accepted }),
      mine.distance_m != null ? " · " + fmt(t("%(km)s km dari Anda"), { km: num(mine.distance_m / 1000, ONE_DECIMAL) }) : "",
      " · " + fmt(t("dikirim %(t)s"), { t: clock(c.sent_at) })),
    c.note ? el("div", { class: "co-meta", text: t("Catatan pusat: ") + c.note }) : null,
  ];
  if (mine.status === "pending" && (c.status === "sent" || c.status === "expired")) {
    const reply = el("input", { type: "text", maxlength: "120", placeholder: t("Balasan singkat, mis. 20 menit lagi"), "aria-label": t("Balasan singkat") });
    const left = el("div", { class: "co-meta countdown", dataset: { deadline: c.ack_deadline || "" } });
    nodes.push(left, reply, el("div", { class: "vol-actions" },
      // "Bersedia datang", not "Berangkat": saying yes is not leaving yet — the next button is the departure itself.
      el("button", { type: "button", class: "go accept", onclick: () => act(`/api/v1/callouts/${c.id}/accept/`, { reply: reply.value }) }, t("Bersedia datang")),
      el("button", { type: "button", class: "no decline", onclick: () => act(`/api/v1/callouts/${c.id}/decline/`, { reply: reply.value }) }, t("Tidak bisa"))));
  } else if (mine.status === "stood_down") {
    const who = (c.taken || []).map((x) => x.volunteer_name).join(", ");
    const why = mine.stood_down_reason === "filled"
      ? fmt(t("Sudah terpenuhi oleh %(who)s pukul %(t)s. Anda tidak perlu berangkat."), { who: who || "-", t: clock(c.filled_at || mine.stood_down_at) })
      : mine.stood_down_reason === "cancelled" ? t("Dibatalkan oleh pusat panggilan. Anda tidak perlu berangkat.")
      : mine.stood_down_reason === "ended" ? fmt(t("Kejadian sudah selesai pukul %(t)s; panggilan relawan berakhir. Anda tidak diperlukan lagi — terima kasih."), { t: clock(mine.stood_down_at) })
      : t("Anda sudah mundur.");
    nodes.push(el("div", { class: "co-told filled-notice", role: "status", text: why }));
  } else if (NEXT[mine.status]) {
    const note = el("input", { type: "text", maxlength: "500", placeholder: t("Catatan singkat untuk pusat"), "aria-label": t("Catatan") });
    nodes.push(navLink(c), note, el("div", { class: "vol-actions" },
      NEXT[mine.status].map((s) => el("button", { type: "button", class: "go to-" + s, onclick: async () => {
        const loc = await position();
        act(`/api/v1/callouts/${c.id}/status/`, { status: s, note: note.value, ...(loc ? { location: loc } : {}) });
      } }, NEXT_LABEL[s])),
      el("button", { type: "button", class: "no withdraw", onclick: async (e) => {
        const sure = await confirmInPlace({ host: e.currentTarget.closest(".vol-card") || document.body, confirmLabel: t("Mundur"),
          message: t("Mundur dari panggilan ini? Pusat akan mencari relawan lain.") });
        if (sure) act(`/api/v1/callouts/${c.id}/withdraw/`, {});
      } }, t("Mundur"))));
  }
  return el("section", { class: "vol-card callout", id: "c" + c.id, dataset: { id: c.id } }, nodes);
}

function render() {
  const list = byId("callouts");
  list.replaceChildren(...callouts.map(card));
  byId("no-callouts").hidden = callouts.length > 0;
  for (const b of document.querySelectorAll("[data-avail]")) b.classList.toggle("on", b.dataset.avail === me.availability);
  byId("pos-age").textContent = me.location_at ? fmt(t("terakhir %(t)s"), { t: clock(me.location_at) }) : t("belum dibagikan");
  tick();
}

function tick() {
  const now = Date.now() - skew;
  for (const node of document.querySelectorAll(".countdown")) {
    const due = Date.parse(node.dataset.deadline);
    if (!due) continue;
    node.textContent = due > now ? fmt(t("Jawab dalam %(t)s"), { t: mmss(due - now) }) : t("Batas jawab lewat — jawaban masih diterima");
  }
}

let pending = null;
async function refresh() {
  const res = await apiResult("GET", "/api/v1/callouts/");
  if (res.ok) { callouts = res.data; render(); }
}
function refreshSoon() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; refresh(); }, 0);
}

for (const b of document.querySelectorAll("[data-avail]")) {
  b.addEventListener("click", async () => {
    const res = await apiResult("POST", "/api/v1/volunteers/me/availability/", { availability: b.dataset.avail });
    if (res.ok) { me = res.data; render(); } else showError(res.error.message);
  });
}
byId("share-pos").addEventListener("click", async () => {
  const loc = await position();
  if (!loc) return showError(t("Lokasi tidak tersedia. Izinkan akses lokasi di browser."));
  const res = await apiResult("POST", "/api/v1/volunteers/me/position/", { location: loc });
  if (res.ok) { me = res.data; render(); } else showError(res.error.message);
});
byId("leave").addEventListener("click", async (e) => {
  const sure = await confirmInPlace({ host: e.currentTarget.parentElement, confirmLabel: t("Ya, keluar"),
    message: t("Keluar dari komunitas? Anda tidak akan dipanggil lagi.") });
  if (!sure) return;
  const res = await apiResult("POST", "/api/v1/volunteers/me/leave/", {});
  if (res.ok) window.location.href = "/"; else showError(res.error.message);
});

render();
setInterval(tick, 1000);
start({
  lastSeq: Number(root.dataset.lastSeq),
  onEvent: (ev) => { if (ev.kind.startsWith("callout.") || ev.kind.startsWith("incident.")) refreshSoon(); },
  onState: (s) => { if (s === "live") refreshSoon(); },
});
