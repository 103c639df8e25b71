/* A confirmation asked in place, for an action that ends or discards work: Enter confirms, Esc cancels, and nothing
 * else does — not Space (the key that pressed "Salah sambung" in the middle of "Budi Santoso"), not Tab (focus stays
 * in the question), not the page's other shortcuts. The pointer may click either button.
 *
 *   if (await confirmInPlace({ host, message, confirmLabel })) …
 *
 * One at a time: asking again while a question is open answers the open one "no" first. */
import { el } from "./dom.js";
import { t } from "./i18n.js";

let open = null; // { node, finish }

export function confirmOpen() {
  return open !== null;
}

export function confirmInPlace({ host, message, confirmLabel, cancelLabel, className = "" }) {
  if (open) open.finish(false);
  const returnFocus = document.activeElement;
  return new Promise((resolve) => {
    const yes = el("button", { type: "button", class: "primary", tabindex: "-1" }, confirmLabel || t("Ya"), " ", el("kbd", {}, "Enter"));
    const no = el("button", { type: "button", tabindex: "-1" }, cancelLabel || t("Batal"), " ", el("kbd", {}, "Esc"));
    const node = el("div", { class: ("confirm-box " + className).trim(), role: "alertdialog", "aria-modal": "true", tabindex: "-1" },
      el("p", { class: "confirm-message" }, message), el("div", { class: "confirm-actions" }, yes, " ", no));
    node.setAttribute("aria-label", message);
    const onKey = (e) => {
      if (!open || open.node !== node) return;
      // The question owns the keyboard until it is answered (window, capture: before the page's own shortcuts).
      e.stopImmediatePropagation();
      if (e.key === "Enter" && !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) { e.preventDefault(); finish(true); }
      else if (e.key === "Escape") { e.preventDefault(); finish(false); }
      else if (e.key !== "Shift" && e.key !== "Control" && e.key !== "Alt" && e.key !== "Meta") e.preventDefault();
    };
    const onFocus = (e) => { if (open && open.node === node && !node.contains(e.target)) node.focus({ preventScroll: true }); };
    function finish(answer) {
      if (!open || open.node !== node) return;
      open = null;
      window.removeEventListener("keydown", onKey, true);
      document.removeEventListener("focusin", onFocus, true);
      node.remove();
      if (returnFocus && returnFocus.isConnected && typeof returnFocus.focus === "function") returnFocus.focus({ preventScroll: true });
      resolve(answer);
    }
    // Only a real pointer click answers through the buttons (a keyboard "click" has detail 0).
    yes.addEventListener("click", (e) => { if (e.detail > 0) finish(true); });
    no.addEventListener("click", (e) => { if (e.detail > 0) finish(false); });
    open = { node, finish };
    host.append(node);
    window.addEventListener("keydown", onKey, true);
    document.addEventListener("focusin", onFocus, true);
    node.focus({ preventScroll: false });
  });
}

/* A button that ends or discards work answers the pointer only: out of the Tab order, and a keyboard "click" (Space or
 * Enter on it; detail 0) does nothing, so a stray key can never press it. Its Alt+key shortcut is the keyboard's way. */
export function pointerOnly(button, action) {
  button.setAttribute("tabindex", "-1");
  button.addEventListener("keydown", (e) => { if (e.key === " " || e.key === "Enter") e.preventDefault(); });
  button.addEventListener("click", (e) => { if (e.detail > 0) action(); });
}
