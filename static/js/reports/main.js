/* The coordination report page: filters → GET /api/v1/reports/coordination/ → charts (Chart.js, vendored)
 * and tables. Every number comes from the JSON the API answers; nothing is computed here but labels. Days,
 * hours and "today" are the centre's (data-time-zone), whatever the PC's zone. */
import { apiResult } from "../lib/api.js";
import { byId, el, pageConfig } from "../lib/dom.js";
import { t, fmt, num as formatNumber } from "../lib/i18n.js";
import { dateFormatter, zoneAbbr } from "../lib/time.js";

const cfg = pageConfig("rp-config");
const root = byId("rp");
const form = byId("rp-filters");
const status = byId("rp-status");
const quality = byId("rp-quality");
const charts = {};
let requestNo = 0;

const DISPOSITIONS = [
  ["genuine", t("Darurat")], ["info", t("Informasi")], ["ghost", t("Panggilan kosong")], ["prank", t("Iseng")],
  ["duplicate", t("Duplikat")], ["misdial", t("Salah sambung")], ["test", t("Uji coba")],
];
const ESCALATIONS = [
  ["expired", t("Konfirmasi kedaluwarsa")], ["backup_offered", t("Instansi cadangan ditawari")],
  ["target_breached", t("Target waktu terlampaui")], ["second_stage", t("Eskalasi tahap kedua")],
];
const VOLUNTEER_LABELS = {
  callouts: t("Panggilan relawan"), filled: t("Terpenuhi"), expired: t("Lewat batas"), cancelled: t("Dibatalkan"),
  members_alerted: t("Anggota dihubungi"), members_accepted: t("Anggota bersedia"), members_declined: t("Anggota tidak bisa"),
  members_arrived: t("Anggota tiba di lokasi"),
};

/* ── the centre's "today" and the period presets ─────────────────────────────────────────────── */
function localToday() {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: root.dataset.timeZone || undefined, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  return parts; // YYYY-MM-DD
}
function iso(d) { return d.toISOString().slice(0, 10); }
function presetRange(name) {
  const today = new Date(localToday() + "T00:00:00Z");
  const y = today.getUTCFullYear(), m = today.getUTCMonth();
  if (name === "today") return [iso(today), iso(today)];
  if (name === "week") return [iso(new Date(today - 6 * 864e5)), iso(today)];
  if (name === "last_month") return [iso(new Date(Date.UTC(y, m - 1, 1))), iso(new Date(Date.UTC(y, m, 0)))];
  if (name === "year") return [iso(new Date(Date.UTC(y, 0, 1))), iso(today)];
  return [iso(new Date(Date.UTC(y, m, 1))), iso(today)];
}

/* ── filters ─────────────────────────────────────────────────────────────────────────────────── */
/* `allLabel` null: no "all" choice (a supervisor of one centre has only that centre — listing it twice, once as
 * "all" under its own name, read as two centres). */
function fillSelect(select, items, allLabel) {
  const keep = select.value;
  const all = allLabel === null ? [] : [el("option", { value: "" }, allLabel)];
  select.replaceChildren(...all, ...items.map(([v, label]) => el("option", { value: v }, label)));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}
function fillFilters() {
  const centre = Number(byId("f-centre").value) || null;
  fillSelect(byId("f-district"), cfg.districts.filter((d) => !centre || d.centres.includes(centre)).map((d) => [d.code, d.name]), t("Semua kecamatan"));
  fillSelect(byId("f-agency"), cfg.agencies.filter((a) => !centre || a.centre === centre).map((a) => [a.id, a.name]), t("Semua instansi"));
}
function params() {
  const p = new URLSearchParams();
  for (const name of ["from", "to", "centre", "district", "category", "agency"]) {
    const v = form.elements[name].value;
    if (v) p.set(name, v);
  }
  return p;
}

/* ── rendering ───────────────────────────────────────────────────────────────────────────────── */
const num = (v) => formatNumber(v);
function secs(v) {
  if (v === null || v === undefined) return "–";
  if (v < 120) return fmt(t("%(s)s dtk"), { s: v });
  const m = Math.floor(v / 60), s = v % 60;
  return m >= 120 ? fmt(t("%(h)s j %(m)s mnt"), { h: Math.floor(m / 60), m: m % 60 }) : fmt(t("%(m)s mnt %(s)s dtk"), { m, s });
}
function table(id, head, rows, empty) {
  const node = byId(id);
  const body = rows.length ? rows.map((r) => el("tr", {}, r.map((c, i) => el(i ? "td" : "th", { scope: i ? null : "row" }, c))))
    : [el("tr", {}, el("td", { colspan: head.length, class: "empty" }, empty || t("Tidak ada data pada periode ini.")))];
  node.replaceChildren(el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, body));
}
function chart(id, config) {
  if (charts[id]) {
    charts[id].data = config.data;
    charts[id].options = config.options;
    charts[id].update();
  } else {
    charts[id] = new window.Chart(byId(id), config);
  }
  byId(id).dataset.signature = JSON.stringify(config.data.datasets.map((d) => d.data));
}
const baseOptions = (extra) => ({ responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: true } }, ...extra });

function render(r) {
  const c = r.calls;
  byId("rp-kpis").replaceChildren(
    ...[[t("Panggilan masuk"), num(c.received)], [t("Dijawab"), num(c.answered)], [t("Tidak terjawab"), num(c.abandoned)],
      [t("Darurat"), num(c.genuine)], [t("Iseng"), num(c.prank)], [t("Panggilan kosong"), num(c.ghost)],
      [t("Kejadian"), num(r.incidents.total)], [t("Waktu jawab (p90)"), secs(r.intervals.answer.p90_s)]]
      .map(([label, value]) => el("div", { class: "kpi" }, el("span", { class: "kpi-value" }, value), el("span", { class: "kpi-label" }, label))),
  );

  chart("c-funnel", {
    type: "bar",
    data: {
      labels: [t("Masuk"), t("Dijawab"), t("Tidak terjawab"), ...DISPOSITIONS.map(([, l]) => l)],
      datasets: [{ label: t("Panggilan"), data: [c.received, c.answered, c.abandoned, ...DISPOSITIONS.map(([k]) => c[k])],
        backgroundColor: ["#1f6feb", "#1a7f37", "#9a6700", "#c8102e", "#57606a", "#8c959f", "#d97706", "#6e7781", "#afb8c1", "#d0d7de"] }],
    },
    options: baseOptions({ indexAxis: "y", plugins: { legend: { display: false } } }),
  });
  chart("c-hours", {
    type: "bar",
    data: {
      labels: c.by_hour.map((h) => String(h.hour).padStart(2, "0")),
      datasets: [
        { label: t("Masuk"), data: c.by_hour.map((h) => h.received), backgroundColor: "#1f6feb" },
        { label: t("Dijawab"), data: c.by_hour.map((h) => h.answered), backgroundColor: "#1a7f37" },
      ],
    },
    options: baseOptions({}),
  });
  const intervals = Object.entries(r.intervals);
  chart("c-intervals", {
    type: "bar",
    data: {
      labels: intervals.map(([, v]) => v.label),
      datasets: [
        { label: t("median (p50)"), data: intervals.map(([, v]) => v.p50_s), backgroundColor: "#1f6feb" },
        { label: t("persentil ke-90"), data: intervals.map(([, v]) => v.p90_s), backgroundColor: "#d97706" },
      ],
    },
    options: baseOptions({ indexAxis: "y", scales: { x: { type: "logarithmic", title: { display: true, text: t("detik (skala log)") } } } }),
  });
  chart("c-compliance", {
    type: "bar",
    data: {
      labels: r.compliance.map((x) => x.name),
      datasets: [
        { label: t("Tercapai (%)"), data: r.compliance.map((x) => x.percent), backgroundColor: r.compliance.map((x) => (x.meets_goal === false ? "#c8102e" : "#1a7f37")) },
        { label: t("Sasaran (%)"), data: r.compliance.map((x) => x.goal_percent), backgroundColor: "#8c959f55", borderColor: "#57606a", borderWidth: 1 },
      ],
    },
    options: baseOptions({ indexAxis: "y", scales: { x: { min: 0, max: 100 } } }),
  });

  table("t-weekday", [t("Hari"), t("Masuk"), t("Dijawab"), t("Tidak terjawab")], c.by_weekday.map((d) => [t(d.name), num(d.received), num(d.answered), num(d.abandoned)]));
  table("t-category", [t("Kategori"), t("Jumlah")], r.incidents.by_category.map((x) => [x.name, num(x.count)]));
  table("t-district", [t("Kecamatan"), t("Jumlah")], r.incidents.by_district.map((x) => [x.name, num(x.count)]));
  table("t-agency", [t("Instansi"), t("Jumlah")], r.incidents.by_agency.map((x) => [x.name, num(x.count)]));
  table("t-intervals", [t("Interval"), "n", t("median"), t("p90"), t("p95"), t("rata-rata")],
    intervals.map(([, v]) => [v.label, num(v.n), secs(v.p50_s), secs(v.p90_s), secs(v.p95_s), secs(v.mean_s === null ? null : Math.round(v.mean_s))]));
  table("t-agency-intervals", [t("Instansi"), t("Interval"), "n", t("median"), t("p90")],
    r.intervals_by_agency.flatMap((a) => Object.entries(a.intervals).map(([k, v]) => [a.name, r.intervals[k].label, num(v.n), secs(v.p50_s), secs(v.p90_s)])));
  table("t-compliance", [t("Target"), t("Batas"), t("Sasaran"), t("Memenuhi"), t("Total"), t("Tercapai")],
    r.compliance.map((x) => [x.name, secs(x.threshold_s), `${x.goal_percent}%`, num(x.met), num(x.total), x.percent === null ? "–" : `${String(x.percent).replace(".", ",")}%`]));
  table("t-escalations", [t("Jenis"), t("Jumlah")], [
    ...ESCALATIONS.map(([k, label]) => [label, num(r.escalations[k])]),
    [t("Pengalihan dalam pusat panggilan"), num(r.handoffs.within)], [t("Pengalihan ke pusat panggilan lain"), num(r.handoffs.across)],
  ]);
  const vol = Object.entries(r.volunteers || {}).filter(([, v]) => typeof v !== "object" || v === null);
  const arrive = r.volunteers && r.volunteers.time_to_arrive;
  const accept = r.volunteers && r.volunteers.time_to_accept;
  table("t-volunteers", [t("Ukuran"), t("Nilai")], r.volunteers && r.volunteers.callouts ? [
    ...vol.filter(([k]) => VOLUNTEER_LABELS[k]).map(([k, v]) => [VOLUNTEER_LABELS[k], num(v)]),
    [t("Dihubungi → bersedia (median / p90)"), `${secs(accept.p50_s)} / ${secs(accept.p90_s)}`],
    [t("Panggilan → tiba (median / p90)"), `${secs(arrive.p50_s)} / ${secs(arrive.p90_s)}`],
  ] : [], t("Tidak ada panggilan relawan pada periode ini."));
  const cl = r.caller_links;
  const metres = (m) => (m === null || m === undefined ? "–" : `${num(m)} m`);
  table("t-caller-links", [t("Ukuran"), t("Nilai")], cl && (cl.sent || cl.text_calls) ? [
    [t("Tautan dikirim"), num(cl.sent)], [t("Tautan dibuka"), num(cl.opened)], [t("Tautan dengan lokasi"), num(cl.with_fix)],
    [t("Lokasi diterima"), num(cl.fixes)], [t("Lokasi dipakai untuk kejadian"), num(cl.adopted)], [t("Panggilan SMS (teks saja)"), num(cl.text_calls)],
    [t("Akurasi sebelum tautan → lewat tautan (median)"), `${metres(cl.median_accuracy_before_m)} → ${metres(cl.median_accuracy_link_m)}`],
    [fmt(t("Akurasi bertambah (median dari %(n)s tautan)"), { n: num(cl.accuracy_compared) }), metres(cl.median_accuracy_gained_m)],
  ] : [], t("Tidak ada tautan ke penelepon pada periode ini."));
  table("t-numbers", [t("Nomor"), t("Iseng"), t("Kosong"), t("Total")], r.repeat_numbers.map((x) => [x.number, num(x.prank), num(x.ghost), num(x.count)]));
  const acc = r.eta_accuracy || { by_basis: {}, by_agency: [] };
  const basisName = (b) => (b === "road" ? t("Rute jalan") : t("Garis lurus"));
  const signed = (v) => (v === null || v === undefined ? "–" : (v > 0 ? "+" : v < 0 ? "−" : "") + secs(Math.abs(v)));
  const pct = (v) => `${String(v).replace(".", ",")}%`;
  const etaRow = (label, e) => [label, num(e.n), secs(e.predicted_p50_s), secs(e.actual_p50_s), signed(e.error_p50_s), secs(e.abs_error_p90_s), pct(e.within_20_percent), pct(e.late_percent)];
  table("t-eta", [t("Instansi · dasar perkiraan"), "n", t("Perkiraan (median)"), t("Sebenarnya (median)"), t("Selisih (median)"), t("|Selisih| p90"), t("Dalam ±20%"), t("Lebih lambat")], [
    ...Object.entries(acc.by_basis).map(([b, e]) => etaRow(fmt(t("Semua · %(b)s"), { b: basisName(b) }), e)),
    ...acc.by_agency.map((e) => etaRow(`${e.name} · ${basisName(e.basis)}`, e)),
  ], t("Belum ada unit dengan perkiraan dan waktu tiba pada periode ini."));

  cardiac(r.cardiac_arrest);

  showQuality(r);
  const p = params().toString();
  for (const ext of ["csv", "xlsx", "pdf"]) byId(`x-${ext}`).href = `${cfg.api}?${p}&format=${ext}`;
}

/* Suspected cardiac arrests (issue 30), measured as King County and Oslo measure them: answer → recognised, answer →
 * first compression, and the share of first compressions within 60/120/180 s; per call-taker for quality review.
 * Shares are percentages from the API (of the arrests with a timed first compression), null when there is none. */
function share(v) {
  return v === null || v === undefined ? "–" : `${formatNumber(v)}%`;
}
function cardiac(ca) {
  const none = t("Tidak ada dugaan henti jantung pada periode ini.");
  table("t-cardiac", [t("Ukuran"), t("Nilai")], ca && ca.count ? [
    [t("Dugaan henti jantung"), num(ca.count)],
    [t("Dijawab → dikenali (median / p90)"), `${secs(ca.recognition_p50_s)} / ${secs(ca.recognition_p90_s)}`],
    [t("Dikenali ≤ 60 dtk (sasaran)"), share(ca.recognised_within_60_s)],
    [t("Dengan kompresi pertama tercatat"), num(ca.first_compressions)],
    [t("Dijawab → kompresi pertama (median / p90)"), `${secs(ca.first_compression_p50_s)} / ${secs(ca.first_compression_p90_s)}`],
    [t("Kompresi pertama ≤ 60 dtk"), share(ca.within_60_s)],
    [t("Kompresi pertama ≤ 120 dtk (sasaran)"), share(ca.within_120_s)],
    [t("Kompresi pertama ≤ 180 dtk"), share(ca.within_180_s)],
    [t("Relawan tiba di lokasi"), num(ca.volunteer_on_scene)],
    [t("Relawan tiba lebih dulu dari ambulans"), num(ca.volunteers_first_on_scene)],
  ] : [], none);
  const rows = (ca && ca.by_call_taker) || [];
  table("t-cardiac-ct", [t("Operator"), "n", t("Dikenali (median)"), t("Kompresi pertama (median)"), t("≤ 120 dtk")],
    rows.map((x) => [x.name, num(x.count), secs(x.recognition_p50_s), secs(x.first_compression_p50_s), share(x.within_120_s)]), none);
}

/* What the numbers may miss (issue 28): rollups behind the timeline, and values left out as data errors. */
function showQuality(r) {
  const lines = [];
  const zone = root.dataset.timeZone;
  if (r.data_status === "stale") {
    const at = r.data_as_of ? `${dateFormatter(zone, { dateStyle: "medium", timeStyle: "short" })(r.data_as_of)} ${zoneAbbr(zone)}` : "–";
    lines.push(fmt(t("Data laporan tertinggal: angka terakhir diperbarui %(at)s. Admin sistem sudah diberi tahu."), { at }));
  }
  const e = r.data_errors || { total: 0 };
  if (e.total) {
    const left = (e.intervals || []).reduce((n, x) => n + x.negative + x.too_long, 0);
    const parts = [];
    if (left) parts.push(fmt(t("%(n)s nilai interval tidak wajar (negatif atau lebih dari setahun) tidak dihitung"), { n: num(left) }));
    if (e.undated_calls) parts.push(fmt(t("%(n)s panggilan bertanggal mustahil"), { n: num(e.undated_calls) }));
    if (e.undated_incidents) parts.push(fmt(t("%(n)s kejadian bertanggal mustahil"), { n: num(e.undated_incidents) }));
    lines.push(fmt(t("Kesalahan data: %(list)s (jam perangkat salah?)."), { list: parts.join("; ") }));
  }
  quality.textContent = lines.join(" ");
  quality.hidden = !lines.length;
  quality.classList.toggle("stale", r.data_status === "stale");
}

async function load() {
  const mine = ++requestNo;
  status.textContent = t("Memuat laporan…");
  root.classList.add("loading");
  const res = await apiResult("GET", `${cfg.api}?${params()}`);
  if (mine !== requestNo) return; // a newer filter change won
  root.classList.remove("loading");
  if (!res.ok) {
    status.textContent = (res.data && res.data.error && res.data.error.message) || t("Laporan tidak dapat dimuat. Coba lagi.");
    status.classList.add("error");
    return;
  }
  status.classList.remove("error");
  const r = res.data;
  const centres = r.period.centres.map((x) => x.name).join(", ");
  status.textContent = fmt(t("%(centres)s · %(from)s s.d. %(to)s (%(days)s hari)"), { centres, from: r.period.from, to: r.period.to, days: r.period.days });
  render(r);
  root.dataset.loaded = String(mine);
}

async function loadMonthly() {
  const res = await apiResult("GET", cfg.monthly);
  const rows = res.ok ? res.data.results : [];
  table("t-monthly", [t("Bulan"), t("Pusat panggilan"), t("Unduh")], rows.map((m) => [
    m.month, m.centre.name,
    el("span", {}, el("a", { href: m.downloads.pdf }, "PDF"), " · ", el("a", { href: m.downloads.xlsx }, "XLSX"), " · ", el("a", { href: m.downloads.csv }, "CSV")),
  ]), t("Belum ada laporan bulanan."));
}

function init() {
  fillSelect(byId("f-centre"), cfg.centres.map((c) => [c.id, c.name]), cfg.centres.length > 1 ? t("Semua pusat panggilan") : null);
  if (cfg.centres.length === 1) byId("f-centre").value = String(cfg.centres[0].id);
  fillSelect(byId("f-category"), cfg.categories.map((c) => [c.code, c.name]), t("Semua kategori"));
  fillFilters();
  const [from, to] = presetRange("month");
  byId("f-from").value = from;
  byId("f-to").value = to;
  byId("f-preset").addEventListener("change", (e) => {
    if (e.target.value === "custom") return;
    const [a, b] = presetRange(e.target.value);
    byId("f-from").value = a;
    byId("f-to").value = b;
  });
  for (const id of ["f-from", "f-to"]) byId(id).addEventListener("input", () => { byId("f-preset").value = "custom"; });
  byId("f-centre").addEventListener("change", fillFilters);
  form.addEventListener("change", load);
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  load();
  loadMonthly();
}

init();
