/* Building DOM nodes without innerHTML (user text is never parsed as markup).
 *
 *   el("li", { class: "offer", dataset: { id: 3 }, onclick: fn }, el("b", {}, ref), " · ", label)
 *
 * attrs: class, dataset (object), text (textContent), on<event> (listener); true → empty attribute;
 * null, undefined and false leave the attribute out. Children may be nodes, strings, numbers or (nested)
 * arrays of them; null, undefined and false are skipped. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

export const byId = (id) => document.getElementById(id);

/* For the few hot paths that build hundreds of rows as one HTML string (one innerHTML, one layout). */
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/* The page's server config, embedded with Django's json_script. */
export function pageConfig(id) {
  return JSON.parse(document.getElementById(id).textContent);
}
