/* Possible duplicates of the incident being typed (same place and time, or the same caller), and linking
 * the call to one of them (Alt+D links the top one). */
import { $, S, cfg, STATUS_LABEL, ask, debounce, metres, newDraft, saveDraft } from "./state.js";
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";

export const refreshDuplicates = debounce(async () => {
  const draft = S.draft;
  const params = new URLSearchParams();
  if (draft.category && S.categoryByCode.has(draft.category)) params.set("category", draft.category);
  if (draft.location) { params.set("lat", draft.location.lat); params.set("lon", draft.location.lon); }
  if (draft.caller_number) params.set("caller_number", draft.caller_number.trim());
  const box = $("duplicates");
  if (!draft.location && !draft.caller_number) { S.duplicates = []; box.hidden = true; return; }
  let data;
  try { data = await api("GET", `${cfg.api.duplicates}?${params}`); } catch (err) { return; }
  const duplicates = S.duplicates = data.results || [];
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

export async function linkDuplicate(d) {
  if (!d) { ask("callMessage", t("Tidak ada kejadian duplikat untuk ditautkan."), "error"); return; }
  if (!S.call) { ask("callMessage", t("Tidak ada panggilan aktif untuk ditautkan."), "error"); return; }
  if (S.call.local) { ask("callMessage", t("Panggilan ini belum sampai di server; tautkan setelah tersambung kembali."), "error"); return; }
  try {
    const data = await api("POST", `${cfg.api.calls}${S.call.id}/link/`, { incident: d.id });
    ask("endCallLocally");
    S.draft = newDraft(false);
    saveDraft();
    ask("fillForm");
    ask("callMessage", fmt(t("Panggilan ditautkan ke %(ref)s (pelapor: %(n)s)."), { ref: data.incident.reference, n: data.incident.caller_count }), "ok");
    ask("upsertIncident", { id: data.incident.id, caller_count: data.incident.caller_count });
    ask("flushList");
    $("btn-new-call").focus();
  } catch (err) {
    ask("callMessage", err.error.message, "error");
  }
}
