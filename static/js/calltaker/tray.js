/* The tray pinned above the open-incidents list: the call-taker's OWN incidents that nobody holds — saved but never
 * routed, or every agency declined or let them expire — the longest waiting first, each with its age ticking.
 * Nothing an operator logged can be forgotten behind the next call: an offer made anywhere (here, another console,
 * the board) takes the incident out of the tray at once, a decline that leaves it unrouted brings it back (both
 * arrive as live events through the list's data, main.js). A click, or Enter on an item, opens its routing panel. */
import { $ } from "./state.js";
import { escapeHtml as h } from "../lib/dom.js";
import { t, fmt, num } from "../lib/i18n.js";
import { priorityBadgeHtml } from "../lib/priority.js";
import { mmss } from "../lib/time.js";

const SHOWN = 5; // a surge must not push the list off the screen: the rest is one click away
const AGE_STEPS = [[15, "age-3"], [5, "age-2"], [1, "age-1"]]; // minutes, as the list colours its rows
const LEFT = t("ditolak/kedaluwarsa");

let source = () => [];
let items = [];

function ageClass(ms) {
  const minutes = ms / 60000;
  for (const [limit, cls] of AGE_STEPS) if (minutes >= limit) return cls;
  return "age-0";
}

/* unrouted(): the user's own unrouted incidents, oldest first ({id, reference, priority, category_name, address,
 * since, left}); choose(id) opens one; showAll() filters the list to them. */
export function initTray({ unrouted, choose, showAll }) {
  source = unrouted;
  $("tray-list").addEventListener("click", (e) => {
    const item = e.target.closest("[data-id]");
    if (item) choose(item.dataset.id);
  });
  $("tray-more").addEventListener("click", showAll);
}

export function renderTray() {
  items = source();
  const tray = $("tray");
  tray.hidden = items.length === 0;
  tray.dataset.count = String(items.length);
  if (!items.length) { $("tray-list").replaceChildren(); return; }
  $("tray-count").textContent = num(items.length);
  const now = Date.now();
  $("tray-list").innerHTML = items.slice(0, SHOWN).map((r) =>
    `<li><button type="button" class="tray-item ${ageClass(now - r.since)}" data-id="${h(r.id)}">`
    + `<span class="ref">${h(r.reference)}</span> ${priorityBadgeHtml(r.priority)} <span class="cat">${h(r.category_name)}</span>`
    + `${r.left ? ` <span class="left">${h(LEFT)}</span>` : ""}`
    + ` <span class="t-age" data-since="${r.since}">${h(mmss(now - r.since))}</span></button></li>`).join("");
  const more = items.length - SHOWN;
  $("tray-more").hidden = more <= 0;
  if (more > 0) $("tray-more").textContent = fmt(t("dan %(n)s lainnya — tampilkan semua"), { n: num(more) });
  tray.setAttribute("aria-label", fmt(t("%(n)s kejadian Anda belum diteruskan"), { n: items.length }));
}

/* Every second: the ages, in place (no redraw, the focus stays on the item it was on). */
export function tickTray() {
  if (!items.length) return;
  const now = Date.now();
  for (const age of $("tray-list").querySelectorAll(".t-age")) {
    const since = Number(age.dataset.since);
    age.textContent = mmss(now - since);
    const item = age.closest(".tray-item");
    const cls = ageClass(now - since);
    if (!item.classList.contains(cls)) {
      item.classList.remove("age-0", "age-1", "age-2", "age-3");
      item.classList.add(cls);
    }
  }
}
