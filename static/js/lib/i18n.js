/* Translation for every console: Django's JavaScriptCatalog (/jsi18n/, a classic script loaded before the
 * modules) defines window.gettext and window.interpolate. Without it the Indonesian msgid is shown.
 *
 * makemessages extracts t("…") (agencies/management/commands/makemessages.py adds the keyword), so label
 * strings must be written as literal arguments of t(). */

export function t(msgid) {
  return typeof window.gettext === "function" ? window.gettext(msgid) : msgid;
}

/* fmt(t("%(n)s pelapor"), { n: 3 }): named placeholders, as in the Python catalog. */
export function fmt(format, values) {
  if (typeof window.interpolate === "function") return window.interpolate(format, values, true);
  return format.replace(/%\((\w+)\)s/g, (_m, key) => values[key]);
}

/* Numbers in the page's language: "0,8" and "1.234" in Indonesian, "0.8" and "1,234" in English.
 * The page's <html lang> is what Django activated for the user, so numbers follow the words. */
const numberFormats = new Map();
export function num(value, options = {}) {
  if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) return "–";
  const lang = (document.documentElement.lang || "id").toLowerCase().startsWith("en") ? "en-GB" : "id-ID";
  const key = lang + JSON.stringify(options);
  if (!numberFormats.has(key)) numberFormats.set(key, new Intl.NumberFormat(lang, options));
  return numberFormats.get(key).format(Number(value));
}

/* Coordinates, in every language: decimal points and a comma between latitude and longitude ("-2.15119, 113.97394").
 * Never through num(): in Indonesian that writes "-2,15119, 113,97394", which reads as four numbers. */
export function coords(lat, lon, digits = 5) {
  const fix = (v) => (Number.isFinite(Number(v)) ? Number(v).toFixed(digits) : "–");
  return `${fix(lat)}, ${fix(lon)}`;
}
