{% autoescape off %}/* The consoles' Service Worker (issue 26; served by incidents/consoles/offline.py at /sw.js, scope "/").
 * Version __SW_VERSION__. When the server is away, the console pages and their files still load from here, and the
 * console keeps working from IndexedDB (static/js/lib/outbox.js). Nothing else is touched: other pages, the API
 * (except the offline reference data), WebSockets go to the network as if there were no worker. */
"use strict";
const VERSION = "__SW_VERSION__";
const STATIC_CACHE = "d112-static-" + VERSION;
const PAGE_CACHE = "d112-pages"; // the last copy of each console page and of the data below, across versions
const STATICS = {{ statics_json }};
const PAGES = {{ pages_json }};
const CATALOG = {{ catalog_json }};
const REFERENCE = {{ reference_json }};
const LOGIN = {{ login_json }};
const LOGOUT = {{ logout_json }};
const PAGE_TIMEOUT_MS = 4000; // a server that hangs is a server that is away
// The basemap tiles the consoles have drawn (/tiles/base/…): the last copy of each, so the map of the area being
// worked does not go blank while the server is away. Bounded: the oldest go first beyond TILE_CACHE_MAX.
const TILE_CACHE = "d112-tiles";
const TILE_CACHE_MAX = 3000;
let tilesKept = 0;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.addAll(STATICS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k.startsWith("d112-static-") && k !== STATIC_CACHE).map((k) => caches.delete(k)),
  )).then(() => self.clients.claim()));
});

/* A console page asks for its own copy to be kept (its first load was not yet through the worker). */
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep-page" && PAGES.includes(new URL(data.url, self.location.origin).pathname)) {
    const keep = (url, key) => fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then((resp) => (keepable(resp) ? caches.open(PAGE_CACHE).then((c) => c.put(key, resp)) : null))
      .catch(() => null);
    event.waitUntil(Promise.all([keep(data.url, pathOf(data.url)), keep(CATALOG, new URL(CATALOG, self.location.origin).href)])
      .then(() => event.source && event.source.postMessage({ type: "page-kept" })));
  }
});

function pathOf(url) {
  return new URL(url, self.location.origin).pathname;
}

function keepable(resp) {
  // A redirect (to the login page) or an error page is not the console.
  return resp && resp.ok && !resp.redirected && resp.type === "basic";
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/* The copy served while the server is away says so: <html data-offline-copy="1"> (the page's data — the call in
 * hand, the open incidents — is as it was when the copy was taken). */
async function markedCopy(cached) {
  const html = (await cached.text()).replace("<html ", '<html data-offline-copy="1" ');
  const headers = new Headers(cached.headers);
  headers.set("X-Offline-Copy", "1");
  return new Response(html, { status: 200, headers });
}

async function page(request) {
  const key = pathOf(request.url);
  try {
    const resp = await withTimeout(fetch(request), PAGE_TIMEOUT_MS);
    if (resp.status >= 500) throw new Error("server error");
    if (keepable(resp)) { const copy = resp.clone(); caches.open(PAGE_CACHE).then((c) => c.put(key, copy)); }
    return resp;
  } catch (err) {
    const cached = await caches.match(key, { cacheName: PAGE_CACHE });
    if (cached) return markedCopy(cached);
    throw err;
  }
}

async function networkFirst(request) {
  try {
    const resp = await fetch(request);
    if (resp.status >= 500) throw new Error("server error");
    if (resp.ok) { const copy = resp.clone(); caches.open(PAGE_CACHE).then((c) => c.put(request.url, copy)); }
    return resp;
  } catch (err) {
    const cached = await caches.match(request.url, { cacheName: PAGE_CACHE });
    if (cached) return cached;
    throw err;
  }
}

async function tile(request) {
  try {
    const resp = await withTimeout(fetch(request), PAGE_TIMEOUT_MS);
    if (resp.status >= 500) throw new Error("server error");
    if (resp.ok) { const copy = resp.clone(); caches.open(TILE_CACHE).then((c) => c.put(request.url, copy)).then(trimTiles); }
    return resp;
  } catch (err) {
    const cached = await caches.match(request.url, { cacheName: TILE_CACHE });
    if (cached) return cached;
    throw err;
  }
}

function trimTiles() {
  tilesKept += 1;
  if (tilesKept % 100) return null; // the bound is checked now and then, not on every tile
  return caches.open(TILE_CACHE).then((c) => c.keys().then((keys) =>
    Promise.all(keys.slice(0, Math.max(0, keys.length - TILE_CACHE_MAX)).map((k) => c.delete(k)))));
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: STATIC_CACHE, ignoreSearch: true });
  if (cached) return cached;
  const resp = await fetch(request);
  if (resp.ok) { const copy = resp.clone(); caches.open(STATIC_CACHE).then((c) => c.put(request, copy)); }
  return resp;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Logging out, or in, forgets the pages kept: the next user of this PC does not read the last one's copy.
  if (request.mode === "navigate" && (url.pathname === LOGOUT || url.pathname === LOGIN)) {
    event.waitUntil(Promise.all([caches.delete(PAGE_CACHE), caches.delete(TILE_CACHE)]));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    if (PAGES.includes(url.pathname)) event.respondWith(page(request));
    return;
  }
  if (STATICS.includes(url.pathname)) { event.respondWith(cacheFirst(request)); return; }
  if (url.pathname.startsWith("/tiles/base/")) { event.respondWith(tile(request)); return; }
  if (url.pathname === CATALOG || url.pathname === REFERENCE) { event.respondWith(networkFirst(request)); }
});
{% endautoescape %}
