/* The caller's page (issue 24): on the caller's own phone, from the link texted during the call. One small classic
 * script for cheap Android phones on 2G: no module graph to fetch, no catalogue (the page carries its words), no
 * library. It sends the phone's location (a high-accuracy fix, then every fix for a few minutes while the caller
 * may be moving or the fix improves), photos (shrunk on the phone first: a 4 MB photo takes minutes on 2G) and chat.
 *
 * Chat by polling, not a socket: on 2G a WebSocket through the operator's proxies drops every time the radio sleeps
 * or the cell changes, and keeping it open keeps the radio awake. A poll every few seconds with `?after=<last id>`
 * costs a few hundred bytes when nothing is new, survives any proxy and resumes by itself after a dead spot. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("caller-config").textContent);
  var S = cfg.strings;
  var $ = function (id) { return document.getElementById(id); };
  var ended = false;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; }).replace(/%%/g, "%");
  }
  function say(id, text, kind) { var n = $(id); n.textContent = text || ""; n.className = "status " + (kind || ""); }
  function clock(date) {
    var d = date || new Date();
    return String(d.getHours()).padStart(2, "0") + "." + String(d.getMinutes()).padStart(2, "0");
  }
  function linkEnded() {
    ended = true;
    say("loc-status", S.ended, "bad");
    ["locate", "send", "chat-text", "photo-camera", "photo-pick"].forEach(function (id) { $(id).disabled = true; });
  }

  /* POST JSON; resolves with {status, body}. Network failures resolve with status 0 (the caller retries). */
  function post(url, body) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": cfg.lang }, body: JSON.stringify(body), credentials: "omit" })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; }); })
      .catch(function () { return { status: 0, body: {} }; });
  }
  function failed(res) {
    if (res.status === 410 || res.status === 404) { linkEnded(); return true; }
    return res.status < 200 || res.status >= 300;
  }

  // ───────────── location ─────────────
  var watchId = null, watchUntil = 0, inFlight = false, pending = null, retryTimer = null, tick = null;

  function sendFix() {
    if (inFlight || !pending || ended) return;
    var fix = pending; pending = null; inFlight = true;
    post(cfg.api.positions, fix.body).then(function (res) {
      inFlight = false;
      if (res.status === 201) {
        say("loc-status", fill(S.sent, { m: Math.round(fix.body.accuracy_m), t: clock(fix.at) }), "ok");
        showWatching();
      } else if (res.status === 410 || res.status === 404) {
        linkEnded();
        return;
      } else if (res.status === 0 || res.status >= 500) {
        if (!pending) pending = fix; // network or server trouble: keep the newest fix and try again
        say("loc-status", S.retrying, "warn");
        clearTimeout(retryTimer);
        retryTimer = setTimeout(sendFix, 3000);
        return;
      } // 429 (too fast) or 400: this fix is dropped, the next one goes
      if (pending) sendFix();
    });
  }

  function onFix(pos) {
    var c = pos.coords;
    // Only the newest fix waits: when the network is slower than the GPS, older ones are skipped.
    pending = { at: new Date(pos.timestamp || Date.now()), body: {
      lat: c.latitude, lon: c.longitude, accuracy_m: c.accuracy,
      heading: isFinite(c.heading) ? c.heading : null, speed: isFinite(c.speed) ? c.speed : null } };
    $("loc-help").hidden = true;
    sendFix();
  }

  function onError(err) {
    if (err.code === 1) { // PERMISSION_DENIED
      stopWatch();
      watchNote("");
      say("loc-status", S.denied, "bad");
      $("loc-how").textContent = S.denied_how;
      $("loc-voice").textContent = S.voice;
      $("loc-help").hidden = false;
    } else if (!pending && !inFlight) {
      say("loc-status", S.unavailable, "warn");
      $("loc-voice").textContent = S.voice;
      $("loc-how").textContent = "";
      $("loc-help").hidden = false;
    }
  }

  function stopWatch() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    clearInterval(tick);
  }

  /* The line under the status saying how long fixes keep going (shown once a fix went through). */
  function watchNote(text) {
    var note = $("watch-note");
    if (!note && text) {
      note = document.createElement("p");
      note.id = "watch-note"; note.className = "muted";
      $("loc-status").after(note);
    }
    if (note) note.textContent = text;
  }

  function showWatching() {
    if (watchId === null) return;
    var left = Math.max(0, Math.ceil((watchUntil - Date.now()) / 60000));
    if (Date.now() >= watchUntil) { stopWatch(); watchNote(S.watch_done); return; }
    watchNote(fill(S.watching, { n: left }));
  }

  $("locate").addEventListener("click", function () {
    if (ended) return;
    if (!("geolocation" in navigator)) { say("loc-status", S.unsupported, "bad"); $("loc-voice").textContent = S.voice; $("loc-help").hidden = false; return; }
    say("loc-status", S.locating);
    var options = { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 };
    navigator.geolocation.getCurrentPosition(onFix, onError, options);
    stopWatch();
    watchUntil = Date.now() + cfg.watchMinutes * 60000;
    watchId = navigator.geolocation.watchPosition(onFix, onError, { enableHighAccuracy: true, timeout: 60000, maximumAge: 5000 });
    tick = setInterval(showWatching, 15000);
  });

  // ───────────── photos ─────────────
  var MAX_BYTES = 10 * 1024 * 1024, MAX_SIDE = 1600;

  /* Shrink on the phone (a 1600 px JPEG is ~300 kB instead of 4 MB); a format the browser cannot draw (HEIC on
   * Android) goes as it is and the server converts it. */
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!window.createImageBitmap || !/^image\/(jpeg|png|webp)$/.test(file.type)) { resolve(file); return; }
      createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", 0.8);
      }).catch(function () { resolve(file); });
    });
  }

  function upload(file) {
    if (!file || ended) return;
    shrink(file).then(function (blob) {
      if (blob.size > MAX_BYTES) { say("photo-status", S.photo_too_big, "bad"); return; }
      var form = new FormData();
      form.append("photo", blob, (file.name || "foto").replace(/\.[^.]*$/, "") + (blob === file ? "" : ".jpg"));
      var xhr = new XMLHttpRequest();
      xhr.open("POST", cfg.api.photos);
      xhr.setRequestHeader("Accept-Language", cfg.lang);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) say("photo-status", fill(S.photo_sending, { p: Math.round((e.loaded / e.total) * 100) })); };
      xhr.onload = function () {
        if (xhr.status === 201) { say("photo-status", S.photo_sent, "ok"); return; }
        if (xhr.status === 410 || xhr.status === 404) { linkEnded(); return; }
        var message = S.photo_failed;
        try { message += " " + JSON.parse(xhr.responseText).error.message; } catch (e) { /* not our error shape */ }
        say("photo-status", message, "bad");
      };
      xhr.onerror = function () { say("photo-status", S.photo_failed + " " + S.retrying, "bad"); };
      say("photo-status", fill(S.photo_sending, { p: 0 }));
      xhr.send(form);
    });
  }
  ["photo-camera", "photo-pick"].forEach(function (id) {
    $(id).addEventListener("change", function (e) { upload(e.target.files[0]); e.target.value = ""; });
  });

  // ───────────── chat ─────────────
  var lastId = 0, pollTimer = null, fastUntil = Date.now() + 120000, seen = {};

  function addMessage(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    lastId = Math.max(lastId, m.id);
    var li = document.createElement("li");
    li.className = m.direction === "in" ? "in" : "out";
    var who = document.createElement("small");
    who.textContent = (m.direction === "in" ? S.you : S.centre) + " · " + clock(new Date(m.at));
    var text = document.createElement("span");
    text.textContent = m.text;
    li.append(who, text);
    $("chat").append(li);
    $("chat").scrollTop = $("chat").scrollHeight;
  }

  function poll() {
    clearTimeout(pollTimer);
    if (ended) return;
    if (document.hidden) { pollTimer = setTimeout(poll, 30000); return; }
    fetch(cfg.api.messages + (lastId ? "?after=" + lastId : ""), { credentials: "omit", headers: { "Accept-Language": cfg.lang } })
      .then(function (r) {
        if (r.status === 410 || r.status === 404) { linkEnded(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (list) { if (list) list.forEach(addMessage); })
      .catch(function () { /* a dead spot: the next poll catches up */ })
      .then(function () { if (!ended) pollTimer = setTimeout(poll, Date.now() < fastUntil ? 4000 : 12000); });
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });

  $("chat-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var box = $("chat-text"), text = box.value.trim();
    if (!text || ended) return;
    if (text.length > cfg.maxText) { say("chat-status", S.too_long, "bad"); return; }
    $("send").disabled = true;
    post(cfg.api.messages, { text: text }).then(function (res) {
      $("send").disabled = ended;
      if (res.status === 201) { box.value = ""; say("chat-status", ""); addMessage(res.body); fastUntil = Date.now() + 120000; poll(); return; }
      if (!failed(res)) return;
      say("chat-status", S.message_failed + (res.body && res.body.error ? " " + res.body.error.message : ""), "bad");
    });
  });

  poll();
})();
