/* "Selesai hari ini": what the agency finished today — the local day of its centre — so an incident stays in sight
 * (its detail one key away) after the crew is done. Reloaded when one of the agency's assignments completes, when an
 * incident on the list changes, after a reconnect, and at the centre's midnight. */
import { apiResult as api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";
import { clockFormatter, localDate } from "../lib/time.js";
import { cardParts } from "./cards.js";
import { detailKeys, openDetail } from "./detail.js";

export function mountDone(cfg, timeZone) {
  var parts = cardParts(cfg);
  var clock = clockFormatter(timeZone);
  var rows = [];
  var day = localDate(timeZone);
  var timer = null;

  function load() {
    return api("GET", cfg.api.assignments + "?completed_today=1&limit=200").then(function (res) {
      if (!res.ok) return;
      rows = (res.data && res.data.results) || res.data || [];
      render();
    });
  }
  function loadSoon() {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  }
  function render() {
    var ol = document.getElementById("done");
    ol.textContent = "";
    rows.forEach(function (a) {
      var li = el("li", { class: "done", "data-assignment": a.id, "data-incident": a.incident,
        "aria-label": a.incident_reference + " · " + a.incident_category_name }, [
        el("div", { class: "row1" }, [parts.prio(a.incident_priority), el("strong", { class: "ref", text: a.incident_reference }),
          parts.catLabel(a),
          el("span", { class: "status st-" + a.incident_status, text: cfg.incidentLabels[a.incident_status] || a.incident_status })]),
        // one compact line under it: where, when it finished, the detail — a busy agency finishes dozens a day
        el("div", { class: "done-at" }, [
          el("span", { class: "addr", text: a.incident_address || "—" }),
          el("span", { text: fmt(t("selesai %(t)s"), { t: a.completed_at ? clock(a.completed_at) : "—" })
            + (cfg.agencyIds.length === 1 ? "" : " · " + a.agency_name) }),
          parts.detailButton(a),
        ]),
      ]);
      detailKeys(li, function () { openDetail(a, li); });
      ol.appendChild(li);
    });
    document.getElementById("done-count").textContent = rows.length;
    document.getElementById("done-empty").hidden = rows.length > 0;
  }
  return {
    load: load,
    onEvent: function (ev) {
      var k = ev.kind || "";
      if (k === "assignment.completed" || (k.indexOf("incident.") === 0 && rows.some(function (a) { return a.incident === ev.incident; }))) loadSoon();
    },
    onLive: loadSoon,
    tick: function () {
      var today = localDate(timeZone);
      if (today !== day) { day = today; load(); }
    },
  };
}
