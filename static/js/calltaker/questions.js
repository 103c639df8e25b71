/* The category's SOP questions, the priority they suggest, and the Enter flow in call order
 * (category → location → address → questions → description; the caller's name and the address also by Alt+N / Alt+A,
 * from anywhere, and Enter there goes back to where the call-taker was). */
import { $, S, focus, saveDraft } from "./state.js";
import { el } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";

export function currentCategory() {
  return S.categoryByCode.get(S.draft.category) || null;
}

function questionInputs() {
  return [...document.querySelectorAll("#questions [data-question]")];
}

export function renderQuestions() {
  const box = $("questions");
  const c = currentCategory();
  const script = (c && c.question_script) || [];
  const lang = (document.documentElement.lang || "id").slice(0, 2);
  box.replaceChildren(...script.map((q) => {
    const id = "q-" + q.key;
    const label = (lang === "en" && q.question_en) || q.question_id || q.key;
    const value = S.draft.answers[q.key];
    let input;
    if (q.type === "bool") {
      input = el("button", { type: "button", id, class: "q-bool", "data-question": q.key, "aria-pressed": value === undefined ? "mixed" : String(value) },
        value === true ? t("Ya") : value === false ? t("Tidak") : "—");
      input.addEventListener("click", () => setAnswer(q.key, value === true ? false : true, input));
    } else if (q.type === "choice") {
      input = el("select", { id, "data-question": q.key }, el("option", { value: "" }, "—"),
        (q.choices || []).map((ch) => el("option", { value: ch, selected: value === ch }, ch)));
      input.addEventListener("change", () => setAnswer(q.key, input.value || undefined, input));
    } else {
      input = el("input", { id, "data-question": q.key, value: value || "", maxlength: 500 });
      input.addEventListener("input", () => setAnswer(q.key, input.value || undefined, input));
    }
    const hint = q.type === "bool" ? el("span", { class: "hint" }, el("kbd", {}, "Y"), "/", el("kbd", {}, "N")) : "";
    const marker = q.priority_if ? el("span", { class: "hint crit" }, fmt(t("→ P%(p)s bila %(a)s"), { p: q.priority_if.priority, a: q.priority_if.answer === true ? t("ya") : q.priority_if.answer === false ? t("tidak") : q.priority_if.answer })) : "";
    return el("div", { class: "row question" }, el("label", { for: id }, label, " ", hint, " ", marker), input);
  }));
}

function setAnswer(key, value, input) {
  const answers = S.draft.answers;
  if (value === undefined || value === "") delete answers[key];
  else answers[key] = value;
  if (input && input.classList.contains("q-bool")) {
    input.textContent = value === true ? t("Ya") : value === false ? t("Tidak") : "—";
    input.setAttribute("aria-pressed", value === undefined ? "mixed" : String(value));
    // the click handler closes over the old value: rebuild it
    const fresh = input.cloneNode(true);
    fresh.addEventListener("click", () => setAnswer(key, S.draft.answers[key] === true ? false : true, fresh));
    input.replaceWith(fresh);
    if (document.activeElement === document.body) fresh.focus();
  }
  suggestPriority();
  saveDraft();
}

// The same rule as incidents.services.incidents.suggest_priority: the category's default, raised
// (never lowered) by answers its SOP script marks as critical.
function suggestedPriority() {
  const c = currentCategory();
  if (!c) return null;
  const answers = S.draft.answers;
  let p = c.default_priority;
  for (const q of c.question_script || []) {
    const rule = q.priority_if;
    if (rule && Object.prototype.hasOwnProperty.call(answers, q.key) && answers[q.key] === rule.answer) p = Math.min(p, Number(rule.priority));
  }
  return p;
}

export function suggestPriority() {
  const p = suggestedPriority();
  const draft = S.draft;
  const sel = $("f-priority");
  const hint = $("priority-hint");
  // No category yet: no priority either ("–"), not the first option (P1) by default.
  if (p === null) { hint.textContent = ""; if (!draft.priority_touched) sel.value = ""; return; }
  if (!draft.priority_touched) { sel.value = String(p); draft.priority = null; }
  hint.textContent = fmt(t("saran: P%(p)s"), { p }) + (draft.priority_touched && Number(sel.value) !== p ? " · " + t("diubah operator") : "");
}

// ───────────────────────── Enter flow in call order ─────────────────────────
function flowOrder() {
  // The place's Enter lands in the address with the place's label selected (type over it, or Enter to keep it).
  return ["f-category", "f-place", "f-address", ...questionInputs().map((q) => q.id), "f-description"];
}

let returnTo = null; // where Alt+N / Alt+A jumped from: Enter there goes back

/* Alt+N (name), Alt+A (address): a detour from the flow; Enter in the field returns to where it started. */
export function jumpTo(id) {
  const from = document.activeElement && document.activeElement.id;
  returnTo = from && from !== id && flowOrder().includes(from) ? from : null;
  focus(id);
}

export function flowNext(fromId) {
  if ((fromId === "f-name" || fromId === "f-address") && returnTo && document.getElementById(returnTo)) {
    const back = returnTo;
    returnTo = null;
    focus(back);
    return;
  }
  returnTo = null;
  if (fromId === "f-name") {
    // The name is asked whenever the caller gives it: then on to what the call still lacks.
    focus(!S.draft.category ? "f-category" : !S.draft.location ? "f-place" : "f-description");
    return;
  }
  const order = flowOrder();
  const i = order.indexOf(fromId);
  const next = order[i + 1];
  if (next) focus(next);
}

export function initQuestions() {
  $("questions").addEventListener("keydown", (e) => {
    const target = e.target;
    if (!target.dataset || !target.dataset.question) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return; // Alt+N is the name, not "no"
    const key = target.dataset.question;
    if (target.classList.contains("q-bool")) {
      const k = e.key.toLowerCase();
      if (k === "y") { e.preventDefault(); setAnswer(key, true, target); flowNext("q-" + key); }
      else if (k === "n" || k === "t") { e.preventDefault(); setAnswer(key, false, target); flowNext("q-" + key); }
      else if (e.key === "Enter" && !e.ctrlKey) { e.preventDefault(); flowNext("q-" + key); }
    } else if (e.key === "Enter" && !e.ctrlKey && !e.altKey) {
      e.preventDefault();
      flowNext("q-" + key);
    }
  });
}
