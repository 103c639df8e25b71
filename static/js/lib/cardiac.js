/* Suspected cardiac arrest (issue 30), the same rule as the server's: for a category whose SOP script asks both
 * `conscious` ("Pasien sadar?") and `breathing` ("Pasien bernapas normal?"), an answer of "no" or "not sure" to both
 * means a suspected arrest. Pure functions: the console decides in the browser, with no round trip, and a unit test
 * runs them in Node (tests/cardiac/test_cardiac_rule_js.py). */

export const CARDIAC_QUESTIONS = ["conscious", "breathing"];
export const UNSURE = "unsure";
// Hands-only CPR: 100–120 compressions a minute; 110 sits in the middle (AHA/ERC guidelines).
export const METRONOME_BPM = 110;
// The steps of POST /api/v1/incidents/{id}/cpr/ in the order they normally happen.
export const CPR_STEPS = ["recognised", "instructions_started", "first_compression", "aed_on_scene", "ems_on_scene", "stopped"];

/* Does this category's script ask the two questions (a medical category in the sense of the rule)? */
export function asksCardiacQuestions(script) {
  const keys = new Set((script || []).map((q) => q.key));
  return CARDIAC_QUESTIONS.every((k) => keys.has(k));
}

/* Not yes: "no" (false) or "not sure". An unanswered question is not "not yes". */
function notYes(value) {
  return value === false || value === UNSURE;
}

/* Both questions answered, neither with "yes". */
export function suspectedArrest(answers) {
  const a = answers || {};
  return CARDIAC_QUESTIONS.every((k) => Object.prototype.hasOwnProperty.call(a, k) && notYes(a[k]));
}

/* The script with the two questions first (they are asked before anything else for a medical call). */
export function cardiacFirst(script) {
  const list = script || [];
  if (!asksCardiacQuestions(list)) return list;
  const first = CARDIAC_QUESTIONS.map((k) => list.find((q) => q.key === k));
  return first.concat(list.filter((q) => !CARDIAC_QUESTIONS.includes(q.key)));
}
