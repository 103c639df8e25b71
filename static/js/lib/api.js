/* REST API v1 calls for every console: session cookie + CSRF header, JSON in and out, and the one error
 * shape of dispatch/errors.py: {"error": {"code", "message", "fields"}}.
 *
 * Two faces over the same request:
 *   api(method, url, body, headers)       → the response body; throws ApiError (call-taker style, await/try)
 *   apiResult(method, url, body, headers) → never throws: {ok, status, data, error} (dispatcher/crew style)
 * A lost connection (status 0) and a 502/503/504 (the server or the database is away; dispatch/overload.py)
 * are `retryable`: the request may simply be sent again. */
import { t, fmt } from "./i18n.js";

export function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export class ApiError extends Error {
  constructor(status, error, retryable) {
    super(error.message);
    this.status = status;
    this.error = error;
    this.retryable = !!retryable;
    this.network = this.retryable; // the call-taker's form marks these "network": nothing typed is lost
  }
}

/* "/api/v1/units/{id}/status/" → "/api/v1/units/7/status/" */
export function url(template, id) {
  return template.replace("{id}", encodeURIComponent(id));
}

async function send(method, path, body, headers) {
  const opts = { method, credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrf(), ...(headers || {}) } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    return { ok: false, status: 0, data: null };
  }
  let data = null;
  try {
    const text = await resp.text();
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  return { ok: resp.ok, status: resp.status, data };
}

function errorOf(res) {
  if (res.data && res.data.error) return res.data.error;
  if (res.status === 0) {
    return { code: "network", message: t("Koneksi ke server terputus. Semua isian tetap tersimpan; coba lagi."), fields: {} };
  }
  return { code: "http_" + res.status, message: fmt(t("Server menolak permintaan (%(status)s)."), { status: res.status }), fields: {} };
}

export function isRetryable(status) {
  return status === 0 || status >= 502;
}

export async function api(method, path, body, headers) {
  const res = await send(method, path, body, headers);
  if (!res.ok) throw new ApiError(res.status, errorOf(res), isRetryable(res.status));
  return res.data;
}

/* `data` is the body as the server sent it (null when it was not JSON); `error` is always the one shape. */
export async function apiResult(method, path, body, headers) {
  const res = await send(method, path, body, headers);
  return { ...res, error: res.ok ? null : errorOf(res) };
}
