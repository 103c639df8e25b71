/* The category's SOP questions, the priority they suggest, and the Enter flow in call order
 * (category → location → address → questions → description; the caller's name and the address also by Alt+N / Alt+A,
 * from anywhere, and Enter there goes back to where the call-taker was). */
import { $, S, ask, focus, saveDraft } from "./state.js";
import { CARDIAC_QUESTIONS, UNSURE, asksCardiacQuestions, cardiacFirst, suspectedArrest } from "../lib/cardiac.js";
import { el } from "../lib/dom.js";
import { t, fmt } from "../lib/i18n.js";

export function currentCategory() {
  return S.categoryByCode.get(S.draft.category) || null;
}

// The two questions of the cardiac arrest rule take a third answer, "tidak yakin" (U).
const TRI_STATE = new Set(CARDIAC_QUESTIONS);
const answerText = (value) => (value === true ? t("Ya") : value === false ? t("Tidak") : value === UNSURE ? t("Tidak yakin") : "—");
const pressed = (value) => (value === undefined ? "mixed" : value === UNSURE ? "mixed" : String(value));
// A click goes round the answers: ya → tidak (→ tidak yakin) → ya.
const nextOnClick = (key, value) => (value === true ? false : value === false && TRI_STATE.has(key) ? UNSURE : true);

function questionInputs() {
  return [...document.querySelectorAll("#questions [data-question]")];
}

export function renderQuestions() {
  const box = $("questions");
  const c = currentCategory();
  // For a medical call "Pasien sadar?" and "Pasien bernapas normal?" come first (issue 30).
  const script = cardiacFirst((c && c.question_script) || []);
  const lang = (document.documentElement.lang || "id").slice(0, 2);
  box.replaceChildren(...script.map((q) => {
    const id = "q-" + q.key;
    const label = (lang === "en" && q.question_en) || q.question_id || q.key;
    const value = S.draft.answers[q.key];
    let input;
    if (q.type === "bool") {
      input = el("button", { type: "button", id, class: "q-bool", "data-question": q.key, "data-answer": value === undefined ? "" : String(value), "aria-pressed": pressed(value) },
        answerText(value));
      input.addEventListener("click", () => setAnswer(q.key, nextOnClick(q.key, value), input));
    } else if (q.type === "choice") {
      input = el("select", { id, "data-question": q.key }, el("option", { value: "" }, "—"),
        (q.choices || []).map((ch) => el("option", { value: ch, selected: value === ch }, ch)));
      input.addEventListener("change", () => setAnswer(q.key, input.value || undefined, input));
    } else {
      input = el("input", { id, "data-question": q.key, value: value || "", maxlength: 500 });
      input.addEventListener("input", () => setAnswer(q.key, input.value || undefined, input));
    }
    const hint = q.type !== "bool" ? ""
      : TRI_STATE.has(q.key) ? el("span", { class: "hint", title: t("ya / tidak / tidak yakin") }, el("kbd", {}, "Y"), "/", el("kbd", {}, "T"), "/", el("kbd", {}, "U"))
      : el("span", { class: "hint" }, el("kbd", {}, "Y"), "/", el("kbd", {}, "N"));
    const marker = q.priority_if ? el("span", { class: "hint crit" }, fmt(t("→ P%(p)s bila %(a)s"), { p: q.priority_if.priority, a: q.priority_if.answer === true ? t("ya") : q.priority_if.answer === false ? t("tidak") : q.priority_if.answer })) : "";
    return el("div", { class: "row question" }, el("label", { for: id }, label, " ", hint, " ", marker), input);
  }));
}

function setAnswer(key, value, input) {
  const answers = S.draft.answers;
  if (value === undefined || value === "") delete answers[key];
  else answers[key] = value;
  if (input && input.classList.contains("q-bool")) {
    input.textContent = answerText(value);
    input.setAttribute("aria-pressed", pressed(value));
    input.dataset.answer = value === undefined ? "" : String(value);
    // the click handler closes over the old value: rebuild it
    const fresh = input.cloneNode(true);
    fresh.addEventListener("click", () => setAnswer(key, nextOnClick(key, S.draft.answers[key]), fresh));
    input.replaceWith(fresh);
    if (document.activeElement === document.body) fresh.focus();
  }
  suggestPriority();
  saveDraft();
  // The banner and the CPR panel follow the answers at once, in the browser (calltaker/cpr.js).
  if (TRI_STATE.has(key)) ask("cardiacAnswersChanged");
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
  // A suspected cardiac arrest is P1 ("tidak yakin" included, which no priority_if names).
  if ((asksCardiacQuestions(c.question_script) && suspectedArrest(answers)) || ask("cardiacForcesP1")) p = 1;
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
  const questions = questionInputs().map((q) => q.id);
  // A medical call: the two cardiac questions straight after the category, then the place (issue 30).
  const first = questions.filter((id) => TRI_STATE.has(id.slice(2)));
  if (first.length === CARDIAC_QUESTIONS.length) {
    return ["f-category", ...first, "f-place", "f-address", ...questions.filter((id) => !first.includes(id)), "f-description"];
  }
  return ["f-category", "f-place", "f-address", ...questions, "f-description"];
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

/* After an answer typed: on with the call — unless it made the CPR panel open, which then has the focus. */
function afterAnswer(key) {
  if (TRI_STATE.has(key) && ask("cardiacHasFocus")) return;
  flowNext("q-" + key);
}

export function initQuestions() {
  $("questions").addEventListener("keydown", (e) => {
    const target = e.target;
    if (!target.dataset || !target.dataset.question) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return; // Alt+N is the name, not "no"
    const key = target.dataset.question;
    if (target.classList.contains("q-bool")) {
      const k = e.key.toLowerCase();
      if (k === "y") { e.preventDefault(); setAnswer(key, true, target); afterAnswer(key); }
      else if (k === "n" || k === "t") { e.preventDefault(); setAnswer(key, false, target); afterAnswer(key); }
      else if (k === "u" && TRI_STATE.has(key)) { e.preventDefault(); setAnswer(key, UNSURE, target); afterAnswer(key); }
      else if (e.key === "Enter" && !e.ctrlKey) { e.preventDefault(); flowNext("q-" + key); }
    } else if (e.key === "Enter" && !e.ctrlKey && !e.altKey) {
      e.preventDefault();
      flowNext("q-" + key);
    }
  });
}
