/* Times as the centre sees them. Everything is stored in UTC; a console shows clock times in its command
 * centre's zone (WIB/WITA/WIT), which the page passes as an IANA name (data-time-zone, filled from the
 * zone CentreTimezoneMiddleware activated for the user). The PC's own zone may be anything. */

const formatters = new Map();

/* A formatter of clock times (h:mm:ss in the browser's locale) in `timeZone`; an unknown or empty zone
 * falls back to the browser's zone rather than breaking the console. */
export function clockFormatter(timeZone) {
  const key = timeZone || "";
  if (!formatters.has(key)) {
    let f;
    try {
      f = new Intl.DateTimeFormat(undefined, { timeStyle: "medium", timeZone: timeZone || undefined });
    } catch (e) {
      f = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
    }
    formatters.set(key, f);
  }
  const f = formatters.get(key);
  return (value) => f.format(value instanceof Date ? value : new Date(value));
}

/* The zone a console root element carries: <div id="ct" data-time-zone="Asia/Jakarta">. */
export function pageTimeZone(root) {
  return (root && root.dataset.timeZone) || "";
}

/* An elapsed time as mm:ss, or h:mm:ss past the hour; negative spans show as 00:00. */
export function mmss(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : String(m).padStart(2, "0")) + ":" + String(sec).padStart(2, "0");
}

/* The centre's zone as Indonesians name it (WIB/WITA/WIT); any other zone by its IANA name. */
const ZONE_ABBR = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };
export function zoneAbbr(timeZone) {
  return ZONE_ABBR[timeZone] || timeZone || "";
}

/* Dates (and date-times) in `timeZone`, as the clock formatter does for times: a deadline near midnight shows
 * the centre's date, not the PC's. */
export function dateFormatter(timeZone, options = { dateStyle: "medium" }) {
  let f;
  try {
    f = new Intl.DateTimeFormat(undefined, { ...options, timeZone: timeZone || undefined });
  } catch (e) {
    f = new Intl.DateTimeFormat(undefined, options);
  }
  return (value) => f.format(value instanceof Date ? value : new Date(value));
}

/* Today's date in `timeZone` as YYYY-MM-DD (a date input's value), not the UTC date of toISOString(). */
export function localDate(timeZone, now = new Date()) {
  const options = { year: "numeric", month: "2-digit", day: "2-digit" };
  let f;
  try {
    f = new Intl.DateTimeFormat("en-CA", { ...options, timeZone: timeZone || undefined });
  } catch (e) {
    f = new Intl.DateTimeFormat("en-CA", options);
  }
  // en-CA writes dates as YYYY-MM-DD; only the digits are used, never shown.
  return f.format(now);
}

/* A live clock in an element: <span data-clock data-time-zone="Asia/Makassar">. Ticks every second. */
export function startClock(node, timeZone) {
  if (!node) return;
  const clock = clockFormatter(timeZone);
  const abbr = zoneAbbr(timeZone);
  const tick = () => { node.textContent = clock(new Date()) + (abbr ? " " + abbr : ""); };
  tick();
  setInterval(tick, 1000);
}
