/* Pieces every dispatcher card is built from (offers, handled incidents, finished today): the priority, the
 * category (flagged when the incident still waits for one) and the detail button. */
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { priorityBadge } from "../lib/priority.js";
import { openDetail } from "./detail.js";

export function cardParts(cfg) {
  return {
    prio: function (p) { return priorityBadge(p, cfg.priorities); },
    /* One that arrived without a type (an EIDO transfer) is flagged until the centre sets its category. */
    catLabel: function (a) {
      return a.incident_unclassified
        ? el("span", { class: "cat unclassified", text: a.incident_category_name, title: t("Jenis kejadian belum ditetapkan pusat panggilan; baca uraiannya di detail.") })
        : el("span", { class: "cat", text: a.incident_category_name });
    },
    detailButton: function (a) {
      return el("button", { type: "button", class: "secondary", "data-action": "detail", title: "Enter / D", text: t("Detail"),
        onclick: function (e) { openDetail(a, e.target.closest("li")); } });
    },
  };
}
