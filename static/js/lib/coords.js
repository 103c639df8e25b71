/* Coordinates as call-takers paste them, parsed in the browser — a line-by-line mirror of incidents/coords.py (the
 * server's parser, GET /api/v1/places/?q=), used while the server is away (issue 26). Same formats: decimal
 * ("-2.2096, 113.9213", "-2,2096 113,9213"), degrees-minutes-seconds ("2°12'34.5\"S 113°55'16.7\"E"), LS/LU/BT/BB
 * and N/S/E/W, longitude first. tests/offline/test_coords_js.py runs the server's cases through both.
 *
 *   parseCoordinates(text) → { lat, lon, precision_m, format } or throws CoordinateError (message for the call-taker)
 *   looksLikeCoordinates(text) → boolean */
import { t } from "./i18n.js";

export class CoordinateError extends Error {}

const NORMALISE = { "′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "″": '"', "“": '"', "”": '"', "º": "°", "˚": "°" };
// (quote marks written as \u escapes: the translation extractor reads a quote in a regex literal as a string)
const TOKEN = new RegExp("\\s*(?:([-+\u2212]?\\d+(?:\\.\\d+)?)|(\u00b0|\u0027\u0027|\u0027|\u0022)|(LS|LU|BT|BB|[NSEWUTB])|([,;/])|(\\S))", "gy");
const HEMI = {
  N: ["lat", 1], LU: ["lat", 1], U: ["lat", 1],
  S: ["lat", -1], LS: ["lat", -1],
  E: ["lon", 1], BT: ["lon", 1], T: ["lon", 1],
  W: ["lon", -1], BB: ["lon", -1], B: ["lon", -1],
};
const UNIT_RANK = { "°": 0, "'": 1, "''": 2, '"': 2 };
const DECIMAL_COMMA = /^\s*([-+]?\d+),(\d+)\s+([-+]?\d+),(\d+)\s*$/;
const KINDS = ["num", "unit", "hemi", "sep", "junk"];

function* tokens(text) {
  TOKEN.lastIndex = 0;
  let m;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text)) !== null) {
    const i = m.slice(1).findIndex((g) => g !== undefined);
    if (i < 0) break; // only white space left
    const kind = KINDS[i];
    if (kind === "junk") throw new CoordinateError(t("Karakter tidak dikenal dalam koordinat: '%(c)s'.").replace("%(c)s", m[i + 1]));
    yield [kind, m[i + 1]];
  }
}

const part = (numbers = [], hemi = null) => ({ numbers, hemi });

function split(text) {
  const parts = [];
  let current = part(), lastUnit = null;
  for (const [kind, value] of tokens(text)) {
    if (kind === "num") {
      if (current.numbers.length && lastUnit !== null && lastUnit >= 2) { parts.push(current); current = part(); }
      current.numbers.push([value.replace("−", "-"), null]);
      lastUnit = null;
    } else if (kind === "unit") {
      if (!current.numbers.length || current.numbers[current.numbers.length - 1][1] !== null) {
        throw new CoordinateError(t("Tanda derajat/menit/detik di tempat yang salah."));
      }
      const rank = UNIT_RANK[value];
      if (rank === 0 && current.numbers.length > 1) {
        const moved = current.numbers.pop();
        parts.push(current);
        current = part([moved]);
      }
      current.numbers[current.numbers.length - 1][1] = rank;
      lastUnit = rank;
    } else if (kind === "hemi") {
      if (current.numbers.length && current.hemi === null) {
        current.hemi = value; parts.push(current); current = part(); lastUnit = null;
      } else if (current.numbers.length) {
        parts.push(current); current = part([], value); lastUnit = null;
      } else if (current.hemi === null) {
        current.hemi = value;
      } else {
        throw new CoordinateError(t("Dua penanda arah berturut-turut."));
      }
    } else if (kind === "sep") {
      if (current.numbers.length) parts.push(current);
      current = part(); lastUnit = null;
    }
  }
  if (current.numbers.length) parts.push(current);
  else if (current.hemi) throw new CoordinateError(t("Penanda arah tanpa angka."));
  if (parts.length === 1 && parts[0].numbers.every(([, u]) => u === null) && [2, 4, 6].includes(parts[0].numbers.length)) {
    const nums = parts[0].numbers, half = nums.length / 2;
    return [part(nums.slice(0, half)), part(nums.slice(half), parts[0].hemi)];
  }
  return parts;
}

function valueOf(p) {
  if (p.numbers.length > 3) throw new CoordinateError(t("Terlalu banyak angka dalam satu koordinat."));
  let expected = 0;
  const values = [0, 0, 0], seen = new Set();
  for (const [text, unit] of p.numbers) {
    const rank = unit === null ? expected : unit;
    if (seen.has(rank) || rank > 2) throw new CoordinateError(t("Format derajat-menit-detik tidak dikenali."));
    seen.add(rank);
    values[rank] = parseFloat(text);
    expected = rank + 1;
  }
  let [degrees, minutes, seconds] = values;
  let sign = degrees < 0 || String(p.numbers[0][0]).startsWith("-") ? -1 : 1;
  degrees = Math.abs(degrees);
  if (p.numbers.length > 1) {
    if (degrees !== Math.trunc(degrees)) throw new CoordinateError(t("Derajat harus bilangan bulat bila menit/detik diberikan."));
    if (minutes >= 60 || seconds >= 60) throw new CoordinateError(t("Menit dan detik harus kurang dari 60."));
    if (p.numbers.length === 3 && minutes !== Math.trunc(minutes)) throw new CoordinateError(t("Menit harus bilangan bulat bila detik diberikan."));
  }
  const value = degrees + minutes / 60 + seconds / 3600;
  if (p.hemi) {
    if (sign < 0) throw new CoordinateError(t("Gunakan tanda minus atau penanda arah, bukan keduanya."));
    sign = HEMI[p.hemi][1];
  }
  return sign * value;
}

function decimals(p) {
  const last = p.numbers[p.numbers.length - 1][0];
  return last.includes(".") ? last.split(".", 2)[1].length : 0;
}

const round = (v, digits) => { const f = 10 ** digits; return Math.round(v * f) / f; };

export function parseCoordinates(text) {
  if (text === null || text === undefined || !String(text).trim()) throw new CoordinateError(t("Koordinat kosong."));
  text = String(text).trim();
  if (text.length > 100) throw new CoordinateError(t("Teks koordinat terlalu panjang."));
  const m = DECIMAL_COMMA.exec(text);
  if (m) text = `${m[1]}.${m[2]} ${m[3]}.${m[4]}`;
  text = Array.from(text, (c) => NORMALISE[c] || c).join("").toUpperCase();
  let parts = split(text);
  if (parts.length !== 2) throw new CoordinateError(t("Masukkan dua nilai: lintang dan bujur, misalnya \"-2.2096, 113.9213\"."));
  let [first, second] = parts;
  let a = valueOf(first), b = valueOf(second);
  const axes = parts.map((p) => (p.hemi ? HEMI[p.hemi][0] : null));
  if (axes[0] && axes[0] === axes[1]) throw new CoordinateError(t("Kedua nilai menunjuk arah yang sama (dua lintang atau dua bujur)."));
  if (axes[0] === "lon" || axes[1] === "lat" || (axes[0] === null && axes[1] === null && Math.abs(a) > 90 && 90 >= Math.abs(b))) {
    [a, b] = [b, a];
    [first, second] = [second, first];
  }
  const lat = a, lon = b;
  if (!(lat >= -90 && lat <= 90)) throw new CoordinateError(t("Lintang harus antara -90 dan 90."));
  if (!(lon >= -180 && lon <= 180)) throw new CoordinateError(t("Bujur harus antara -180 dan 180."));
  const dms = parts.some((p) => p.numbers.length > 1);
  let step;
  if (dms) {
    const lastRank = Math.max(...parts.map((p) => p.numbers.length)) - 1;
    step = [1, 1 / 60, 1 / 3600][lastRank] * 10 ** -Math.min(decimals(first), decimals(second));
  } else {
    step = 10 ** -Math.min(decimals(first), decimals(second));
  }
  return { lat: round(lat, 7), lon: round(lon, 7), precision_m: round(step * 111320 / 2, 1), format: dms ? "dms" : "decimal" };
}

const LOOKS = new RegExp("^[\\d\\s.,;/\u00b0\u00ba\u02da\u0027\u2032\u2019\u2018\u00b4\u0060\u0022\u2033\u201c\u201d+\\-\u2212NSEWnsewLSUTBlsutb]+$");

export function looksLikeCoordinates(text) {
  text = (text || "").trim();
  return Boolean(text) && (text.match(/\d+/g) || []).length >= 2 && LOOKS.test(text);
}
