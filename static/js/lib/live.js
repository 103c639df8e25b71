/* Live events for every console (issue 4). An ES module: import { start } from "../lib/live.js".
 *
 *   const live = start({
 *     url: "/ws/events/",            // same origin; the session cookie authenticates
 *     incident: 123,                 // optional: follow this incident only (a crew's or volunteer's screen)
 *     lastSeq: Number(root.dataset.lastSeq),   // the newest seq when the page was rendered
 *     onEvent: function (ev) {},     // exactly once per seq, in seq order (replayed first, then live)
 *     onState: function (state) {},  // "connecting" | "live" | "stale"
 *     onResync: function (msg) {},   // the server says we are too far behind; default: reload the page
 *   });
 *   live.stop();
 *
 * Reconnects with exponential backoff and jitter and resumes from the last seq it delivered (?after=), so
 * nothing is missed across a disconnect. A socket that goes quiet is detected by a ping/pong heartbeat.
 * While disconnected for more than a few seconds the page is marked stale: #live-state says so, body gets the
 * class "stale" and a red banner says the data may be out of date (static/css/live.css).
 */
import { t } from "./i18n.js";

var STALE_AFTER_MS = 3000;     // a short blip is "connecting"; longer than this, the screen is stale
var PING_EVERY_MS = 15000;
var DEAD_AFTER_MS = 35000;     // no message at all (not even a pong) for this long: the socket is dead
var BACKOFF_BASE_MS = 500;
var BACKOFF_MAX_MS = 15000;
var STABLE_AFTER_MS = 5000;    // a connection that lasted this long resets the backoff

var LABELS = { connecting: t("menghubungkan…"), live: t("langsung"), stale: t("terputus") };

function banner() {
  var el = document.getElementById("live-stale-banner");
  if (!el) {
    el = document.createElement("div");
    el.id = "live-stale-banner";
    el.setAttribute("role", "alert");
    el.hidden = true;
    el.textContent = t("TERPUTUS — data mungkin usang. Menyambung kembali…");
    document.body.insertBefore(el, document.body.firstChild);
  }
  return el;
}

function showState(state) {
  var el = document.getElementById("live-state");
  if (el) {
    el.textContent = t(LABELS[state]);
    el.classList.remove("connecting", "live", "stale");
    el.classList.add("live-state", state);
  }
  document.body.classList.toggle("stale", state === "stale");
  banner().hidden = state !== "stale";
}

function socketUrl(url, after, incident) {
  var u = new URL(url, window.location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  if (after !== null && after !== undefined && isFinite(after) && after >= 0) u.searchParams.set("after", String(after));
  if (incident) u.searchParams.set("incident", String(incident));
  return u.toString();
}

export function start(opts) {
  opts = opts || {};
  var url = opts.url || "/ws/events/";
  var onEvent = opts.onEvent || function () {};
  var onState = opts.onState || function () {};
  var onResync = opts.onResync || function () { window.location.reload(); };
  var lastSeq = Number(opts.lastSeq);
  if (!isFinite(lastSeq) || lastSeq < 0) lastSeq = null;

  var ws = null, state = null, stopped = false, attempt = 0;
  var retryTimer = null, staleTimer = null, pingTimer = null, openedAt = 0, lastHeard = 0;

  function setState(s) {
    if (s === state) return;
    state = s;
    showState(s);
    try { onState(s); } catch (e) { console.error(e); }
  }

  function markDisconnected() {
    // Not stale yet: a quick reconnect should not flash red. Stale once it lasts.
    if (state === "live") setState("connecting");
    if (!staleTimer) staleTimer = setTimeout(function () { staleTimer = null; if (state !== "live") setState("stale"); }, STALE_AFTER_MS);
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, attempt));
    var delay = ceiling / 2 + Math.random() * ceiling / 2;   // jitter: consoles do not reconnect in lockstep
    attempt += 1;
    retryTimer = setTimeout(function () { retryTimer = null; connect(); }, delay);
  }

  function handle(msg) {
    if (typeof msg.seq === "number") {
      if (lastSeq !== null && msg.seq <= lastSeq) return;   // already delivered (defence in depth)
      lastSeq = msg.seq;
      try { onEvent(msg); } catch (e) { console.error("live event handler failed", e); }
      return;
    }
    if (msg.type === "resync_required") {
      // Too far behind to replay: the page reloads its lists. If the callback does not reload, continue.
      lastSeq = typeof msg.last_seq === "number" ? msg.last_seq : lastSeq;
      onResync(msg);
    }
    // "pong" and "error" need nothing beyond having been heard.
  }

  function connect() {
    if (stopped) return;
    if (state !== "stale") setState("connecting");
    try {
      ws = new WebSocket(socketUrl(url, lastSeq, opts.incident));
    } catch (e) {
      markDisconnected();
      scheduleReconnect();
      return;
    }
    var socket = ws;
    socket.onopen = function () {
      if (socket !== ws) return;
      openedAt = lastHeard = Date.now();
      if (staleTimer) { clearTimeout(staleTimer); staleTimer = null; }
      setState("live");
    };
    socket.onmessage = function (e) {
      if (socket !== ws) return;
      lastHeard = Date.now();
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      handle(msg);
    };
    socket.onclose = function (e) {
      if (socket !== ws) return;
      ws = null;
      if (openedAt && Date.now() - openedAt >= STABLE_AFTER_MS) attempt = 0;
      openedAt = 0;
      if (stopped) return;
      if (e.code === 4401 || e.code === 4403 || e.code === 4404) {
        // Logged out, no scope, or an incident this user cannot follow: reconnecting will not help; the page
        // reload leads to the login form.
        setState("stale");
        if (e.code === 4401 && opts.onUnauthorized) opts.onUnauthorized();
        else if (e.code === 4401) setTimeout(function () { window.location.reload(); }, 2000);
        return;
      }
      if (e.code === 4400) lastSeq = null;   // a seq the server refuses: resume from "now" (reload lists)
      markDisconnected();
      scheduleReconnect();
    };
    socket.onerror = function () { /* onclose follows and reconnects */ };
  }

  function heartbeat() {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastHeard > DEAD_AFTER_MS) {
      // A half-open TCP connection never fires onclose by itself: drop it and reconnect.
      var dead = ws;
      ws = null;
      try { dead.close(); } catch (e) { /* ignore */ }
      markDisconnected();
      scheduleReconnect();
      return;
    }
    try { ws.send(JSON.stringify({ type: "ping", t: Date.now() })); } catch (e) { /* onclose will follow */ }
  }

  function wakeUp() {
    // Back online or the tab became visible: do not wait for the backoff timer.
    if (stopped || (ws && ws.readyState <= WebSocket.OPEN)) return;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    attempt = 0;
    connect();
  }

  window.addEventListener("online", wakeUp);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) wakeUp(); });
  pingTimer = setInterval(heartbeat, PING_EVERY_MS);
  connect();

  return {
    stop: function () {
      stopped = true;
      clearInterval(pingTimer);
      if (retryTimer) clearTimeout(retryTimer);
      if (staleTimer) clearTimeout(staleTimer);
      if (ws) { var s = ws; ws = null; s.close(1000); }
      window.removeEventListener("online", wakeUp);
    },
    lastSeq: function () { return lastSeq; },
    state: function () { return state; },
    reconnect: function () { if (ws) ws.close(4000); },
  };
}
