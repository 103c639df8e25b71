/* The coordinator page: members with availability now and participation history, call-outs with who answered
 * (live), one-time sign-up links, suspending a member, and the supervisor's approval. */
import { apiResult } from "../lib/api.js";
import { confirmInPlace } from "../lib/confirm.js";
import { el, byId, pageConfig } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { start } from "../lib/live.js";
import { clockFormatter, dateFormatter, localDate, pageTimeZone } from "../lib/time.js";

const root = byId("coord");
const config = pageConfig("coord-config");
const clock = clockFormatter(pageTimeZone(root));
const community = config.community.id;
let members = config.members;
// The centre's date: before 07:00 WIB the UTC date is still yesterday.
const today = localDate(pageTimeZone(root));
const day = dateFormatter(pageTimeZone(root));
let callouts = config.callouts;

const RESPONSE = {
  pending: t("Belum menjawab"), accepted: t("Bersedia datang"), declined: t("Tidak bisa"), en_route: t("Menuju lokasi"),
  on_scene: t("Di lokasi"), done: t("Selesai"), stood_down: t("Tidak diperlukan"),
};
const CALLOUT = { sent: t("Menunggu relawan"), filled: t("Terpenuhi"), expired: t("Lewat batas"), completed: t("Selesai"), cancelled: t("Dibatalkan") };
const MEMBER = { active: t("Aktif"), suspended: t("Ditangguhkan"), left: t("Keluar") };
const OPEN = new Set(["sent", "filled", "expired"]);

function now(m) {
  if (m.status !== "active") return el("span", { class: "now-off", text: MEMBER[m.status] });
  if (m.busy) return el("span", { class: "now-busy", text: t("Sedang bertugas") });
  return m.on_call_now ? el("span", { class: "now-on", text: t("Siaga") }) : el("span", { class: "now-off", text: t("Tidak siaga") });
}

function renderMembers() {
  byId("members").replaceChildren(...members.map((m) => el("tr", { dataset: { id: m.id } },
    el("td", {}, el("strong", { text: m.name }), el("br"), el("small", { text: m.phone })),
    el("td", {}, now(m)),
    el("td", {}, m.skills.map((s) => el("span", { class: "pill", text: config.skills[s] || s })),
      (m.certifications || []).map((c) => el("span", { class: "pill cert" + (c.expires_on && c.expires_on < today ? " expired" : "") },
        c.name + (c.expires_on ? " · " + fmt(t("s/d %(d)s"), { d: c.expires_on }) : "")))),
    el("td", { "data-label": t("Lokasi terakhir"), text: m.location_at ? clock(m.location_at) : "—" }),
    el("td", { "data-label": t("Diterima"), text: m.accepted }), el("td", { "data-label": t("Tiba"), text: m.arrived }),
    el("td", { "data-label": t("Rata-rata tiba"), text: m.avg_arrival_min != null ? fmt(t("%(m)s menit"), { m: m.avg_arrival_min }) : "—" }),
    el("td", {}, m.status === "left" ? "" : el("button", { type: "button", onclick: () => suspend(m) },
      m.status === "suspended" ? t("Aktifkan lagi") : t("Tangguhkan"))))));
  byId("avail-count").textContent = fmt(t("%(n)s siaga"), { n: members.filter((m) => m.status === "active" && m.on_call_now && !m.busy).length });
}

function renderCallouts() {
  byId("callouts").replaceChildren(...callouts.map((c) => el("div", { class: "vol-card", dataset: { id: c.id } },
    el("div", { class: "co-head" }, el("span", { class: "co-ref", text: c.reference + " · " + c.incident.category_name }),
      el("span", { class: "co-state", text: CALLOUT[c.status] || c.status }),
      c.can_cancel && OPEN.has(c.status)
        ? el("button", { type: "button", class: "link cancel-callout", onclick: (e) => cancel(c, e.currentTarget.parentElement) }, t("Batalkan")) : ""),
    // The counts are this community's members' — the names listed below; a call-out by skill that also alerted
    // other communities says so, with its whole count beside.
    el("div", { class: "co-meta", text: fmt(t("%(t)s · dibutuhkan %(n)s · bersedia %(a)s · tidak bisa %(d)s · belum menjawab %(p)s"),
      { t: clock(c.sent_at), n: c.needed, a: c.accepted, d: c.declined, p: c.pending }) }),
    c.callout_counts && c.callout_counts.recipients > c.recipients
      ? el("div", { class: "co-meta co-all", text: fmt(t("Seluruh panggilan (juga komunitas lain): %(r)s dihubungi · bersedia %(a)s · belum menjawab %(p)s"),
        { r: c.callout_counts.recipients, a: c.callout_counts.accepted, p: c.callout_counts.pending }) })
      : null,
    el("ul", {}, c.responses.map((r) => el("li", {}, r.volunteer_name + " — " + (RESPONSE[r.status] || r.status),
      r.reply ? " (“" + r.reply + "”)" : "", r.on_scene_at ? " · " + fmt(t("tiba %(t)s"), { t: clock(r.on_scene_at) }) : "")))))
  );
}

// Calling a call-out off stands every volunteer down: confirmed first (one slip must not send them home).
async function cancel(c, host) {
  const sure = await confirmInPlace({ host: host || byId("coord-error").parentElement, confirmLabel: t("Batalkan panggilan"),
    message: t("Batalkan panggilan relawan ini? Semua yang dipanggil diberi tahu.") });
  if (!sure) return;
  const res = await apiResult("POST", `/api/v1/callouts/${c.id}/cancel/`, {});
  byId("coord-error").textContent = res.ok ? "" : res.error.message;
  refresh();
}

async function suspend(m) {
  const res = await apiResult("POST", `/api/v1/members/${m.id}/suspend/`, { suspended: m.status !== "suspended" });
  if (!res.ok) return (byId("coord-error").textContent = res.error.message);
  refresh();
}

let timer = null;
async function refresh() {
  const [mres, cres] = await Promise.all([apiResult("GET", `/api/v1/communities/${community}/members/`), apiResult("GET", `/api/v1/communities/${community}/callouts/`)]);
  if (mres.ok) members = mres.data;
  if (cres.ok) callouts = cres.data;
  renderMembers(); renderCallouts();
}
function refreshSoon() { if (!timer) timer = setTimeout(() => { timer = null; refresh(); }, 300); }

byId("invite").addEventListener("click", async () => {
  const res = await apiResult("POST", `/api/v1/communities/${community}/invites/`, { name: byId("invite-name").value, phone: byId("invite-phone").value });
  const box = byId("invite-url");
  byId("coord-error").textContent = res.ok ? "" : res.error.message;
  if (res.ok) { box.hidden = false; box.textContent = fmt(t("Kirim tautan ini ke anggota baru (sekali pakai, berlaku sampai %(t)s): "), { t: day(res.data.expires_at) + " " + clock(res.data.expires_at) }) + res.data.url; }
});
if (config.canApprove && !config.community.approved) {
  const b = byId("approve");
  b.hidden = false;
  b.addEventListener("click", async () => {
    const res = await apiResult("POST", `/api/v1/communities/${community}/approve/`, {});
    if (res.ok) { b.hidden = true; byId("approval").textContent = t("Disetujui"); } else byId("coord-error").textContent = res.error.message;
  });
}

const pick = byId("pick-community");
if (pick) pick.addEventListener("change", () => { window.location.href = byId("pick-form").dataset.base + pick.value + "/"; });

renderMembers(); renderCallouts();
start({ lastSeq: Number(root.dataset.lastSeq), onEvent: (ev) => { if (ev.kind.startsWith("callout.")) refreshSoon(); } });
