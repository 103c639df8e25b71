/* A keyboard type-ahead (combobox + listbox): the call-taker's category and place fields.
 *
 * search(text) → items (may be async), render(item) → children of its <li>, choose(item | null) on Enter
 * or click (null: Enter with no match). */
import { debounce } from "./debounce.js";
import { el } from "./dom.js";

export function typeahead(input, list, { search, render, choose }) {
  let items = [];
  let active = 0;
  let seq = 0;
  let shownFor = null; // the text the visible list answers
  function show(newItems) {
    items = newItems;
    active = 0;
    list.replaceChildren(...items.map((item, i) => {
      const li = el("li", { role: "option", id: `${list.id}-${i}`, class: i === 0 ? "active" : "" }, render(item));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(i); });
      return li;
    }));
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
    if (items.length) input.setAttribute("aria-activedescendant", `${list.id}-0`);
  }
  function move(delta) {
    if (!items.length) return;
    active = (active + delta + items.length) % items.length;
    [...list.children].forEach((li, i) => li.classList.toggle("active", i === active));
    input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
  }
  function pick(i) {
    const item = items[i];
    close();
    if (item) choose(item);
  }
  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }
  const run = async () => {
    const mine = ++seq;
    const text = input.value;
    const result = await search(text);
    if (mine === seq) { show(result); shownFor = text; }
    return result;
  };
  const runLater = debounce(run, 120);
  input.addEventListener("input", runLater);
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", async (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) await run(); else move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && !e.ctrlKey && !e.altKey) {
      e.preventDefault();
      // Enter must never race the debounce: when the visible list does not answer the text typed,
      // cancel the pending search and pick from a fresh one.
      if (input.value.trim() && (list.hidden || shownFor !== input.value)) {
        runLater.cancel();
        const mine = ++seq;
        const text = input.value;
        const result = await search(text);
        if (mine !== seq) return; // the call-taker typed on meanwhile
        show(result);
        shownFor = text;
      }
      if (items.length) pick(active);
      else choose(null);
    }
  });
  return { show, close, run };
}
