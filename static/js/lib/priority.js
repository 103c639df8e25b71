/* A priority as every screen shows it, from one place: the tier badge "P2", or, where there is room, the full label
 * the server sends ("P2 Mendesak": Priority's label already names the tier). Never the badge and the label side by
 * side — that read "P2 P2 Mendesak" on the dispatcher's incident panel.
 *
 * labels: {1: "P1 Kritis (mengancam nyawa)", …} from the page's config, when the page has them. */
import { el, escapeHtml } from "./dom.js";

const tier = (p) => (p ? "P" + p : "");

/* <span class="prio p2" title="P2 Mendesak">P2</span>, or the full label as its text with `full`. */
export function priorityBadge(p, labels = null, { full = false } = {}) {
  const label = (labels && labels[p]) || "";
  return el("span", { class: "prio p" + (p || ""), title: !full && label ? label : null }, full && label ? label : tier(p));
}

/* The same badge as HTML, for the lists drawn with one innerHTML (thousands of rows). */
export function priorityBadgeHtml(p, labels = null) {
  const label = (labels && labels[p]) || "";
  return `<span class="prio p${escapeHtml(p || "")}"${label ? ` title="${escapeHtml(label)}"` : ""}>${escapeHtml(tier(p))}</span>`;
}

/* Plain text, for titles and headings. */
export function priorityText(p) {
  return tier(p);
}
