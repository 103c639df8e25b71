/* The drill-down of one incident: details, open alerts, assignments and the whole timeline
 * (GET /api/v1/board/incidents/{id}/), refreshed when a live event concerns it. A supervisor marks its alerts handled,
 * closes it once resolved ("Tertangani"), re-routes, hands off or cancels from here through the same endpoints as the
 * consoles (the services record the supervisor as the actor); an official only reads. */
import { apiResult, url } from "../lib/api.js";
import { byId, escapeHtml as esc } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { priorityText } from "../lib/priority.js";
import { kindLabel } from "../lib/timeline.js";

let cfg = null, ctx = null, current = null, refreshTimer = null;

/* ctx: { state, label(group, code), clock(centreId, iso), flash(text, kind), acknowledge(incidentId) } */
export function setupDrill(config, context) {
  cfg = config; ctx = context;
  const dialog = byId("drill");
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { current = null; });
  if (!cfg.canAct) return;
  byId("drill-body").addEventListener("click", (e) => {
    const ack = e.target.closest("[data-ack-incident]");
    if (ack) ctx.acknowledge(Number(ack.dataset.ackIncident));
  });
  byId("close-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(e.target, url(cfg.api.close, current.id), { note: byId("close-note").value }, fmt(t("%(ref)s ditutup."), { ref: current.reference }));
  });
  byId("reroute-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const ids = [...byId("reroute-agencies").querySelectorAll("input:checked")].map((i) => Number(i.value));
    act(e.target, url(cfg.api.route, current.id), { agencies: ids }, t("Kejadian diteruskan."));
  });
  byId("handoff-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(e.target, url(cfg.api.handoff, byId("handoff-assignment").value),
      { to_agency: Number(byId("handoff-agency").value), reason: byId("handoff-reason").value }, t("Penugasan dialihkan."));
  });
  byId("cancel-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(e.target, url(cfg.api.cancel, current.id), { reason: byId("cancel-reason").value }, t("Kejadian dibatalkan."));
  });
}

async function act(form, path, body, done) {
  for (const n of form.querySelectorAll(".field-error")) n.textContent = "";
  byId("drill-error").textContent = "";
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  const res = await apiResult("POST", path, body);
  button.disabled = false;
  if (!res.ok) {
    const err = res.error;
    let placed = false;
    for (const [field, msgs] of Object.entries(err.fields || {})) {
      const slot = form.querySelector(`.field-error[data-for="${field}"]`);
      if (slot) { slot.textContent = [].concat(msgs).join(" "); placed = true; }
    }
    if (!placed) byId("drill-error").textContent = err.message;
    return;
  }
  form.reset();
  ctx.flash(done, "ok");
  load(current.id);
}

export function openIncident(id) {
  const dialog = byId("drill");
  current = { id: Number(id) };
  byId("drill-title").textContent = t("Memuat…");
  byId("drill-body").innerHTML = "";
  byId("drill-error").textContent = "";
  if (!dialog.open) dialog.showModal();
  load(current.id);
}

/* A live event about the open incident: reload its drill-down (coalesced). */
export function maybeRefresh(ev) {
  if (!current || ev.incident !== current.id || refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; if (current) load(current.id); }, 150);
}

async function load(id) {
  const res = await apiResult("GET", url(cfg.api.incident, id));
  if (!current || current.id !== id) return;
  if (!res.ok) { byId("drill-error").textContent = res.error.message; return; }
  current = res.data;
  render(current);
}

function detail(ev) {
  const p = ev.payload || {};
  const parts = [];
  if (p.assignment && typeof p.assignment === "object") parts.push(p.assignment.agency_name);
  if (ev.kind === "incident.status_changed") parts.push(`${ctx.label("incident", p.old)} → ${ctx.label("incident", p.new)}`);
  if (p.auto_close) parts.push(fmt(t("ditutup otomatis oleh sistem, %(min)s menit setelah tertangani"), { min: p.auto_close.after_min }));
  if (ev.kind === "alert.acknowledged") parts.push(fmt(t("%(n)s peringatan ditandai sudah ditangani"), { n: (p.alerts || [p.alert]).length }));
  else if (ev.kind.startsWith("assignment.") && p.new) parts.push(ctx.label("assignment", p.new));
  if (ev.kind === "unit.status_changed") parts.push(`${p.call_sign}: ${ctx.label("unit", p.old)} → ${ctx.label("unit", p.new)}`);
  if (ev.kind === "alert.raised") parts.push((p.alerts || []).map((a) => a.message).join(" "));
  if (p.reason) parts.push(fmt(t("alasan: %(r)s"), { r: p.reason }));
  if (p.note) parts.push(fmt(t("catatan: %(n)s"), { n: p.note }));
  if (ev.kind === "incident.updated") parts.push(Object.keys(p.changes || {}).length + " " + t("kolom"));
  return parts.filter(Boolean).join(" · ");
}

function render(d) {
  const c = d.command_centre;
  byId("drill-title").textContent = `${d.reference} · ${d.category_name} · ${priorityText(d.priority)} · ${ctx.label("incident", d.status)}`;
  byId("drill-body").innerHTML = `
    <p>${esc(d.address || "")}${d.village ? " · " + esc(d.village) : ""}${d.district ? ", " + esc(d.district) : ""}</p>
    <p class="muted">${esc(t("Dibuat"))} ${esc(ctx.clock(c, d.created_at))} · ${esc(fmt(t("%(n)s pelapor"), { n: d.caller_count }))}
      ${d.on_scene_due_at ? " · " + esc(t("target tiba")) + " " + esc(ctx.clock(c, d.on_scene_due_at)) : ""}</p>
    ${d.description ? `<p class="desc">${esc(d.description)}</p>` : ""}
    ${d.open_alerts.length ? `<div class="drill-alerts"><h4>${esc(fmt(t("Peringatan terbuka (%(n)s)"), { n: d.open_alerts.length }))}</h4>
      <ul>${d.open_alerts.map((a) => `<li><time>${esc(ctx.clock(c, a.raised_at))}</time> <b>${esc(ctx.label("alert", a.kind))}</b> ${esc(a.message)}</li>`).join("")}</ul>
      ${cfg.canAct ? `<button type="button" class="primary" data-ack-incident="${d.id}">${esc(t("Tandai sudah ditangani"))}</button>` : ""}</div>` : ""}
    <h4>${esc(t("Penugasan"))}</h4>
    <ul class="assignments">${d.assignments.map((a) => `<li data-assignment="${a.id}" data-status="${esc(a.status)}">
      <b>${esc(a.agency_name)}</b> (${esc(a.centre_name)}) · ${esc(ctx.label("assignment", a.status))}
      ${a.status === "offered" && a.ack_deadline ? `<span class="countdown small" data-deadline="${esc(a.ack_deadline)}"></span>` : ""}
      ${a.reason ? `<span class="muted">· ${esc(a.reason)}</span>` : ""}</li>`).join("") || `<li class="empty">${esc(t("Belum diteruskan."))}</li>`}</ul>
    <h4>${esc(t("Linimasa lengkap"))} (${d.events.length})</h4>
    <ol class="timeline">${d.events.map((ev) => `<li data-seq="${ev.seq}" data-kind="${esc(ev.kind)}"><time>${esc(ctx.clock(c, ev.at))}</time>
      <b>${esc(kindLabel(ev.kind, t("Peristiwa")))}</b> <span>${esc(detail(ev))}</span>
      <span class="muted">— ${esc(ev.actor_name || t("sistem"))}</span></li>`).join("")}</ol>`;
  if (!cfg.canAct) return;
  const open = !["closed", "cancelled"].includes(d.status);
  byId("drill-actions").hidden = !open;
  // closing: only what every agency finished (a ticket with someone still on it is re-routed or cancelled instead)
  const closable = d.status === "resolved";
  byId("close-form").hidden = !closable;
  if (closable) {
    byId("close-hint").textContent = d.auto_close_due_at
      ? fmt(t("Tertangani sejak %(since)s; ditutup otomatis pukul %(at)s bila tidak ditutup sebelumnya."), { since: ctx.clock(c, d.resolved_at), at: ctx.clock(c, d.auto_close_due_at) })
      : fmt(t("Tertangani sejak %(since)s."), { since: ctx.clock(c, d.resolved_at) });
  }
  const live = d.assignments.filter((a) => a.status === "offered" || a.status === "accepted");
  const liveAgencies = new Set(live.map((a) => a.agency));
  byId("reroute-agencies").innerHTML = cfg.agencies.filter((a) => a.command_centre === c).map((a) =>
    `<label><input type="checkbox" value="${a.id}"${liveAgencies.has(a.id) ? " disabled checked" : ""}> ${esc(a.name)}</label>`).join("");
  byId("handoff-assignment").innerHTML = live.map((a) => `<option value="${a.id}">${esc(a.agency_name)} · ${esc(ctx.label("assignment", a.status))}</option>`).join("");
  byId("handoff-form").hidden = live.length === 0;
  byId("handoff-agency").innerHTML = cfg.agencies.filter((a) => !liveAgencies.has(a.id)).map((a) =>
    `<option value="${a.id}">${esc(a.name)} · ${esc(a.centre_name)}</option>`).join("");
}
