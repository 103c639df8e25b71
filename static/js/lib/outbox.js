/* Working without the server (issue 26), for every console: the call-taker's, the dispatcher's and the crew's.
 *
 *   const box = openOutbox({
 *     queue: "calltaker:7",                 // one queue per console and user
 *     labels: { offline, sending, back(items), queued(n) }, // the banner's words (translated by the caller);
 *                                            // back() gets the items just sent
 *     onSent(item, res),                     // a queued request the server took (2xx)
 *     onRefused(item, res),                  // … the server refused (4xx: its rules decided); the item is dropped
 *     onState(online),                       // the server went away / came back
 *   });
 *   box.online                               // what the console believes now
 *   box.failed(status)                       // a request of the page failed: 0 or 502–504 → the server is away
 *   box.add({ kind, method, url, body, key, ref, label })  // queue a request (key: its Idempotency-Key)
 *   box.send(method, url, body, { key })     // the page's request, at most `timeout` ms; notes a lost server
 *   box.count()                              // how many are waiting
 *   box.getReference(name) / box.putReference(name, value)   // the offline reference copy (IndexedDB)
 *
 * What is queued lives in IndexedDB ("d112-offline": a reload, a closed tab, a crashed browser lose nothing) and is
 * sent in the order it was queued, each with its Idempotency-Key, once the server answers the heartbeat
 * (GET /api/v1/ping/) again. A request the server took is deleted only after its answer; sent again after a crash in
 * between, its key makes the server answer with what it made the first time — exactly once. Two tabs of the same
 * console do not send the same queue at once (a Web Lock per queue; the server's idempotency is the final guard).
 *
 * References between queued requests: a call started offline has a local id "local:<uuid>" (`ref`); an incident
 * queued after it names that id in its body (`call`) or URL, and the id the server gave the call replaces it when
 * the incident is sent (kept in the "refs" store). */
import { csrf } from "./api.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";

const DB_NAME = "d112-offline";
const DB_VERSION = 1;
const PING_URL = "/api/v1/ping/";
const PING_ONLINE_MS = 15000;   // a heartbeat now and then while all is well (a silent server is noticed)
const PING_OFFLINE_MS = 3000;   // while the server is away, ask often: the queue goes as soon as it is back
const PING_TIMEOUT_MS = 3000;
const SEND_TIMEOUT_MS = 10000;
export const LOCAL_PREFIX = "local:";

let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains("outbox")) d.createObjectStore("outbox", { keyPath: "id", autoIncrement: true }).createIndex("queue", "queue");
        if (!d.objectStoreNames.contains("refs")) d.createObjectStore("refs", { keyPath: "local" });
        if (!d.objectStoreNames.contains("reference")) d.createObjectStore("reference", { keyPath: "name" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function tx(store, mode, fn) {
  return db().then((d) => new Promise((resolve, reject) => {
    const x = d.transaction(store, mode);
    let result;
    Promise.resolve(fn(x.objectStore(store))).then((r) => { result = r; });
    x.oncomplete = () => resolve(result);
    x.onerror = () => reject(x.error);
    x.onabort = () => reject(x.error);
  }));
}

const request = (req) => new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });

function queued(queue) {
  return tx("outbox", "readonly", (s) => request(s.index("queue").getAll(queue))).then((items) => items.sort((a, b) => a.id - b.id));
}

export function isLocal(id) {
  return typeof id === "string" && id.startsWith(LOCAL_PREFIX);
}

/* The request's own fetch, with a time limit: a server that hangs is a server that is away. */
async function fetchWithin(method, url, body, headers, timeout) {
  const ctl = typeof AbortController === "function" ? new AbortController() : null;
  const timer = ctl ? setTimeout(() => ctl.abort(), timeout) : null;
  const opts = { method, credentials: "same-origin", signal: ctl && ctl.signal, headers: { Accept: "application/json", "X-CSRFToken": csrf(), ...(headers || {}) } };
  if (body !== undefined && body !== null) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  try {
    const resp = await fetch(url, opts);
    let data = null;
    try { const text = await resp.text(); data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    return { ok: resp.ok, status: resp.status, data, etag: resp.headers.get("ETag"), error: resp.ok ? null : (data && data.error) || { code: "http_" + resp.status, message: "", fields: {} } };
  } catch (e) {
    return { ok: false, status: 0, data: null, error: { code: "network", message: t("Koneksi ke server terputus."), fields: {} } };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/* The server is away: no answer, a timeout, or the proxy / the overload guard saying so (dispatch/overload.py). */
export function serverAway(status) {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

function banner() {
  let node = document.getElementById("outbox-banner");
  if (!node) {
    node = el("div", { id: "outbox-banner", role: "status", "aria-live": "polite", hidden: "" },
      el("b", { class: "outbox-text" }), " ", el("span", { class: "outbox-count" }));
    document.body.insertBefore(node, document.body.firstChild);
  }
  return node;
}

export function openOutbox(options) {
  const { queue, labels = {}, onSent = () => {}, onRefused = () => {}, onState = () => {} } = options;
  const lockName = "d112-outbox:" + queue;
  let online = navigator.onLine !== false;
  let pending = 0;
  let flushing = null;
  let pingTimer = null;
  let backTimer = null;

  function paint(message) {
    const node = banner();
    document.body.classList.toggle("outbox-offline", !online);
    if (!online) {
      node.className = "offline";
      node.querySelector(".outbox-text").textContent = labels.offline || t("Server terputus — pekerjaan disimpan di komputer ini");
      node.querySelector(".outbox-count").textContent = labels.queued ? labels.queued(pending) : String(pending);
      node.hidden = false;
    } else if (message) {
      node.className = "back";
      node.querySelector(".outbox-text").textContent = message;
      node.querySelector(".outbox-count").textContent = pending ? (labels.queued ? labels.queued(pending) : String(pending)) : "";
      node.hidden = false;
      clearTimeout(backTimer);
      backTimer = setTimeout(() => { if (online) node.hidden = true; }, 8000);
    } else if (pending) {
      node.className = "sending";
      node.querySelector(".outbox-text").textContent = labels.sending || t("Mengirim antrean…");
      node.querySelector(".outbox-count").textContent = labels.queued ? labels.queued(pending) : String(pending);
      node.hidden = false;
    } else if (node.className !== "back") {
      node.hidden = true;
    }
    // The live socket may not have noticed yet: the page's live state says "terputus" at once (lib/live.js takes over
    // again when it reconnects).
    const live = document.getElementById("live-state");
    if (!online && live) { live.textContent = t("terputus"); live.className = "live-state stale"; }
    document.documentElement.dataset.outbox = online ? "online" : "offline";
    document.documentElement.dataset.outboxPending = String(pending);
  }

  async function recount() {
    try { pending = (await queued(queue)).length; } catch (e) { /* no IndexedDB: nothing queued */ }
    paint();
  }

  function setOnline(value) {
    if (online === value) return;
    online = value;
    paint();
    onState(online);
    schedulePing();
    if (online) flush();
  }

  function schedulePing() {
    clearTimeout(pingTimer);
    pingTimer = setTimeout(ping, online ? PING_ONLINE_MS : PING_OFFLINE_MS);
  }

  async function ping() {
    const res = await fetchWithin("GET", PING_URL + "?t=" + Date.now(), null, {}, PING_TIMEOUT_MS);
    setOnline(res.ok);
    schedulePing();
    if (online && pending && !flushing) flush();
    return res.ok;
  }

  async function resolveRefs(item) {
    const locals = new Set();
    const scan = (v) => { if (isLocal(v)) locals.add(v); else if (v && typeof v === "object") Object.values(v).forEach(scan); };
    scan(item.body);
    (item.url.match(/local:[0-9a-f-]+/g) || []).forEach((v) => locals.add(v));
    if (!locals.size) return item;
    const map = {};
    for (const local of locals) {
      const row = await tx("refs", "readonly", (s) => request(s.get(local)));
      map[local] = row ? row.server : null;
    }
    const swap = (v) => (isLocal(v) ? map[v] : Array.isArray(v) ? v.map(swap) : v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)])) : v);
    return { ...item, body: swap(item.body), url: item.url.replace(/local:[0-9a-f-]+/g, (m) => encodeURIComponent(map[m] ?? "")) };
  }

  /* One pass over the queue, in order, under the queue's lock. Stops at the first sign the server is away again. */
  async function flushLocked() {
    const sent = [];
    const items = await queued(queue);
    for (const item of items) {
      const ready = await resolveRefs(item);
      const headers = item.key ? { "Idempotency-Key": item.key } : {};
      const res = await fetchWithin(ready.method, ready.url, ready.body, headers, SEND_TIMEOUT_MS);
      if (serverAway(res.status) || res.status === 429) { setOnline(false); break; }
      if (res.ok && item.ref && res.data && res.data.id !== undefined) {
        await tx("refs", "readwrite", (s) => s.put({ local: item.ref, server: res.data.id, at: Date.now() }));
      }
      // Deleted only now: a crash before this line sends it again, and its key answers with the first result.
      await tx("outbox", "readwrite", (s) => s.delete(item.id));
      pending = Math.max(0, pending - 1);
      paint();
      try {
        if (res.ok) { sent.push(item); onSent(item, res); } else onRefused(item, res);
      } catch (e) { console.error(e); }
    }
    await recount();
    return sent;
  }

  function flush() {
    if (flushing) return flushing;
    const run = async () => {
      const sent = await flushLocked();
      if (sent.length && online) paint(labels.back ? labels.back(sent) : t("Tersambung kembali"));
      return sent.length;
    };
    const locked = navigator.locks && navigator.locks.request
      ? navigator.locks.request(lockName, run)
      : run();
    flushing = locked.catch((e) => { console.error(e); return 0; }).finally(() => {
      flushing = null;
      document.documentElement.dataset.outboxFlushed = String(Date.now());
    });
    return flushing;
  }

  async function add(entry) {
    const item = { queue, method: "POST", body: {}, ...entry, created_at: new Date().toISOString() };
    await tx("outbox", "readwrite", (s) => request(s.add(item)));
    await recount();
    if (online) flush();
    return item;
  }

  /* The page's own request while the console believes the server is there. */
  async function send(method, url, body, { key, timeout = SEND_TIMEOUT_MS } = {}) {
    const res = await fetchWithin(method, url, body, key ? { "Idempotency-Key": key } : {}, timeout);
    if (serverAway(res.status)) setOnline(false);
    return res;
  }

  function failed(status) {
    if (serverAway(status)) setOnline(false);
  }

  window.addEventListener("offline", () => setOnline(false));
  window.addEventListener("online", () => { ping(); });
  // Another tab sent part of the queue: recount when this one comes to the front.
  document.addEventListener("visibilitychange", () => { if (!document.hidden) recount(); });

  const box = {
    get online() { return online; },
    get pending() { return pending; },
    add, send, failed, flush, ping, count: recount,
    localId: () => LOCAL_PREFIX + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)),
    serverId: (local) => tx("refs", "readonly", (s) => request(s.get(local))).then((r) => (r ? r.server : null)),
    items: () => queued(queue),
    getReference: (name) => tx("reference", "readonly", (s) => request(s.get(name))).then((r) => (r ? r.value : null)).catch(() => null),
    putReference: (name, value, etag) => tx("reference", "readwrite", (s) => s.put({ name, value, etag, at: Date.now() })).catch(() => null),
    referenceEtag: (name) => tx("reference", "readonly", (s) => request(s.get(name))).then((r) => (r ? r.etag : null)).catch(() => null),
  };
  recount().then(() => { if (document.documentElement.dataset.offlineCopy === "1") setOnline(false); ping(); });
  return box;
}

/* Register the consoles' Service Worker (/sw.js) and ask it to keep this page for when the server is away. */
export function keepPageOffline() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.addEventListener("message", (e) => {
    if (e.data && e.data.type === "page-kept") document.documentElement.dataset.pageKept = "1";
  });
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready).then((reg) => {
    const sw = reg.active;
    document.documentElement.dataset.swReady = "1";
    if (navigator.serviceWorker.controller) {
      // This page came through the worker, which kept it on the way (network first): nothing more to fetch.
      document.documentElement.dataset.pageKept = "1";
    } else if (sw && document.documentElement.dataset.offlineCopy !== "1") {
      sw.postMessage({ type: "keep-page", url: location.pathname }); // the first load, before the worker
    }
  }).catch(() => { /* no worker: the console still queues, only a reload needs the server */ });
}

/* The centre's reference copy (GET /api/v1/reference/offline/): refreshed when the server answers (ETag), kept in
 * IndexedDB, read from there while the server is away. */
export async function loadReference(box, url) {
  const etag = await box.referenceEtag("centre");
  const res = await fetchWithin("GET", url, null, etag ? { "If-None-Match": etag } : {}, SEND_TIMEOUT_MS);
  if (res.ok && res.data) {
    await box.putReference("centre", res.data, res.etag);
    return res.data;
  }
  return box.getReference("centre"); // 304 (unchanged), or the server is away: the copy kept
}
