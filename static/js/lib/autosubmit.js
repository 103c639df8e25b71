// Forms that submit when a choice changes (the language switch, filters): `<select data-autosubmit>`.
// A module instead of an inline `onchange` so the pages pass a Content-Security-Policy without 'unsafe-inline'.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.matches("[data-autosubmit]") && field.form) field.form.requestSubmit();
});
