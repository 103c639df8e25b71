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
