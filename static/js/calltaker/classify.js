/* Classifying an incident that arrived without a category (an EIDO transfer from another CAD, issue 23): the
 * routing panel asks for the category first. Setting it (PATCH category) answers with that category's proposed
 * agencies, and the panel routes as usual. Until then the incident may still be routed by hand (digits), but no
 * agency is proposed. A panel of its own: routing.js shows it through the "classifyBox" hook main.js provides; nothing here knows
 * about routing. */
import { S, cfg } from "./state.js";
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/* The box for `incident` (id); `onClassified(detail)` gets the PATCH answer (with `proposed_agencies`). */
export function classifyBox(incident, onClassified) {
  const select = el("select", { id: "classify-category", "aria-describedby": "classify-error" },
    el("option", { value: "" }, t("— pilih kategori —")),
    S.categories.map((c) => el("option", { value: c.code }, c.name || c.name_id)));
  const error = el("div", { class: "field-error", id: "classify-error", role: "alert" });
  let busy = false;
  async function submit() {
    if (busy) return;
    if (!select.value) { error.textContent = t("Pilih kategori kejadian."); select.focus(); return; }
    busy = true;
    error.textContent = "";
    try {
      onClassified(await api("PATCH", `${cfg.api.incidents}${incident}/`, { category: select.value }));
    } catch (err) {
      error.textContent = err.error.message + " " + Object.values(err.error.fields || {}).flat().join(" ");
    } finally {
      busy = false;
    }
  }
  // The panel's own keys (digits toggle agencies, Enter routes) must not fire while choosing the category.
  select.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); submit(); }
    else if (e.key !== "Escape") e.stopPropagation();
  });
  return el("div", { class: "classify" },
    el("p", {}, el("strong", {}, t("Perlu diklasifikasi")), " ",
      t("Kejadian ini datang tanpa jenis kejadian. Tetapkan kategorinya agar instansi diusulkan; atau pilih instansi secara manual (1–9).")),
    el("label", { for: "classify-category" }, t("Kategori")), " ", select, " ",
    el("button", { type: "button", class: "primary", id: "btn-classify", onclick: submit }, t("Tetapkan kategori"), " ", el("kbd", {}, "Enter")),
    error);
}
