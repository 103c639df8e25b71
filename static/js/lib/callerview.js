/* The caller's phone as staff see it (issue 24): the link texted to the caller, the fixes their phone sends (newest
 * first, with accuracy and age), their photos and the chat. One view for the call-taker console, the board's
 * drill-down and the dispatcher's incident panel; each says what its user may do (send a link, adopt a fix, reply).
 *
 * Data: the four staff endpoints of the call or incident (GET …/caller-link/, caller-positions/, caller-photos/,
 * caller-messages/), then the live events caller.* applied as they come (their payloads carry what a row needs).
 * A fix is only ever shown: moving the incident is the user's act (adopt). */
import { apiResult } from "./api.js";
import { confirmInPlace } from "./confirm.js";
import { el } from "./dom.js";
import { t, fmt, num } from "./i18n.js";
import { clockFormatter } from "./time.js";

const LINK_STATUS = { active: t("aktif"), revoked: t("dicabut"), ended: t("berakhir"), expired: t("kedaluwarsa") };

function base(owner) {
  return owner.kind === "incident" ? `/api/v1/incidents/${owner.id}/` : `/api/v1/calls/${owner.id}/`;
}

/* "12 dtk lalu", "3 mnt lalu", or the clock time past an hour. */
export function ago(iso, clock) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return fmt(t("%(n)s dtk lalu"), { n: s });
  if (s < 3600) return fmt(t("%(n)s mnt lalu"), { n: Math.floor(s / 60) });
  return clock(iso);
}

export function metresText(m) {
  if (m === null || m === undefined) return "–";
  return m >= 1000 ? num(m / 1000, { maximumFractionDigits: 1 }) + " km" : num(Math.round(m)) + " m";
}

/* opts: root (element), timeZone, canSend, canAct (adopt, reply, revoke), keys ({send, adopt}: labels),
 * onPositions(list) after any change of the fixes, onAdopt(position, owner) → true when the console adopted it its own way,
 * number() → the number to text (the console's form), onMessage(text, kind). */
export function createCallerView(opts) {
  const clock = clockFormatter(opts.timeZone);
  const S = { owner: null, links: [], positions: [], photos: [], messages: [], loaded: false, busy: false };
  const root = opts.root;
  root.classList.add("caller-view");

  const say = (text, kind) => { if (opts.onMessage) opts.onMessage(text, kind); else status.textContent = text || ""; };
  const status = el("p", { class: "caller-status", role: "status" });

  function matches(ev) {
    const o = S.owner;
    if (!o) return false;
    if (o.kind === "incident") return ev.incident === o.id;
    const p = ev.payload || {};
    return (ev.incident === null || ev.incident === undefined) && p.call === o.id;
  }

  async function load() {
    const owner = S.owner;
    if (!owner) return;
    const b = base(owner);
    const [links, positions, photos, messages] = await Promise.all(
      ["caller-link/", "caller-positions/", "caller-photos/", "caller-messages/"].map((p) => apiResult("GET", b + p)));
    if (S.owner !== owner) return;
    if (!links.ok) { S.loaded = false; render(); say(links.error.message, "error"); return; }
    S.links = links.data || [];
    S.positions = positions.ok ? positions.data : [];
    S.photos = photos.ok ? photos.data : [];
    S.messages = messages.ok ? messages.data : [];
    S.loaded = true;
    changed(true);
  }

  function setOwner(owner) {
    const same = (a, b) => (a && b ? a.kind === b.kind && a.id === b.id : a === b);
    if (same(owner, S.owner)) return;
    S.owner = owner;
    S.links = []; S.positions = []; S.photos = []; S.messages = []; S.loaded = false;
    root.hidden = !owner;
    changed(true);
    if (owner) load();
  }

  function upsert(list, row, newestFirst) {
    const i = list.findIndex((r) => r.id === row.id);
    if (i >= 0) list[i] = { ...list[i], ...row };
    else if (newestFirst) list.unshift(row);
    else list.push(row);
  }

  function onEvent(ev) {
    if (!ev.kind.startsWith("caller.") && !(ev.kind === "incident.updated" && (ev.payload || {}).adopted_position)) return;
    if (!matches(ev)) return;
    const p = ev.payload || {};
    if (p.caller_link) upsert(S.links, p.caller_link, true);
    if (p.caller_position) upsert(S.positions, p.caller_position, true);
    if (p.caller_photo) {
      const b = base(S.owner) + `caller-photos/${p.caller_photo.id}/image/`;
      upsert(S.photos, { ...p.caller_photo, url: b, thumbnail_url: b + "?size=thumb" }, true);
    }
    if (p.caller_message) upsert(S.messages, p.caller_message, false);
    if (p.adopted_position) {
      const row = S.positions.find((r) => r.id === p.adopted_position);
      if (row && !row.adopted_at) row.adopted_at = ev.at;
    }
    changed(!!(p.caller_position || p.adopted_position));
  }

  function changed(positions) {
    render();
    if (positions && opts.onPositions) opts.onPositions(S.positions);
  }

  // ───────────── actions ─────────────
  async function sendLink() {
    if (!S.owner || !opts.canSend || S.busy) return;
    S.busy = true;
    const number = opts.number ? opts.number() : "";
    const res = await apiResult("POST", base(S.owner) + "caller-link/", number ? { number } : {});
    S.busy = false;
    if (!res.ok) { say(res.error.message, "error"); return; }
    upsert(S.links, res.data, true);
    render();
    say(fmt(res.data.resent ? t("Tautan yang sama dikirim ulang ke %(n)s.") : t("Tautan dikirim ke %(n)s."), { n: res.data.sent_to }), "ok");
  }

  async function revoke(link, host) {
    const sure = await confirmInPlace({ host: host || document.body, confirmLabel: t("Cabut tautan"),
      message: fmt(t("Cabut tautan ke %(n)s? Penelepon tidak bisa memakainya lagi."), { n: link.sent_to }) });
    if (!sure) return;
    const res = await apiResult("POST", base(S.owner) + `caller-link/${link.id}/revoke/`, {});
    if (!res.ok) { say(res.error.message, "error"); return; }
    upsert(S.links, res.data, true);
    render();
    say(t("Tautan dicabut."), "ok");
  }

  async function adopt(position) {
    const fix = position || S.positions[0];
    if (!fix || !opts.canAct) { say(t("Belum ada lokasi dari ponsel penelepon."), "error"); return; }
    // the console's own way first (a call not yet an incident: the fix fills the form); true = done
    if (opts.onAdopt && (await opts.onAdopt(fix, S.owner))) return;
    if (S.owner.kind !== "incident") return;
    const res = await apiResult("POST", base(S.owner) + `caller-positions/${fix.id}/adopt/`, {});
    if (!res.ok) { say(res.error.message, "error"); return; }
    fix.adopted_at = fix.adopted_at || new Date().toISOString();
    changed(true);
    say(fmt(t("Lokasi kejadian dipindah ke titik penelepon (±%(m)s)."), { m: metresText(fix.accuracy_m) }), "ok");
  }

  async function reply(text) {
    const body = (text || "").trim();
    if (!body || !S.owner) return false;
    const res = await apiResult("POST", base(S.owner) + "caller-messages/", { text: body });
    if (!res.ok) { say(res.error.message, "error"); return false; }
    upsert(S.messages, res.data, false);
    render();
    return true;
  }

  // ───────────── drawing ─────────────
  const head = el("div", { class: "caller-head" });
  const linkLine = el("div", { class: "caller-link-line" });
  const fixLine = el("div", { class: "caller-fix" });
  const photoRow = el("div", { class: "caller-photos" });
  const chatList = el("ol", { class: "caller-chat", "aria-live": "polite", "aria-label": t("Percakapan dengan penelepon") });
  const input = el("textarea", { class: "caller-reply", rows: 2, maxlength: 1000, "aria-label": t("Balasan untuk penelepon"),
    placeholder: t("Tulis balasan… (Enter mengirim)") });
  const form = el("form", { class: "caller-reply-form", onsubmit: async (e) => {
    e.preventDefault();
    if (await reply(input.value)) input.value = "";
  } }, input, el("button", { type: "submit" }, t("Kirim")));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  root.replaceChildren(head, linkLine, fixLine, photoRow, chatList, opts.canAct ? form : "", status);

  function render() {
    head.replaceChildren(
      el("h3", {}, t("Ponsel penelepon")),
      opts.canSend && S.owner ? el("button", { type: "button", class: "caller-send", onclick: sendLink },
        S.links.some((l) => l.status === "active") ? t("Kirim tautan lagi") : t("Kirim tautan lokasi"),
        opts.keys && opts.keys.send ? [" ", el("kbd", {}, opts.keys.send)] : "") : "");
    const link = S.links[0];
    if (!link) {
      linkLine.replaceChildren(el("p", { class: "muted" }, S.loaded || !S.owner ? t("Belum ada tautan ke penelepon.") : t("Memuat…")));
    } else {
      const live = link.status === "active" && Date.parse(link.expires_at) > Date.now();
      const bits = [fmt(t("Tautan ke %(n)s, dikirim %(t)s"), { n: link.sent_to, t: clock(link.last_sent_at || link.created_at) })];
      bits.push(link.opened_at ? fmt(t("dibuka %(t)s"), { t: clock(link.opened_at) }) : t("belum dibuka"));
      bits.push(live ? fmt(t("berlaku sampai %(t)s"), { t: clock(link.expires_at) }) : (LINK_STATUS[link.status === "active" ? "expired" : link.status] || link.status));
      linkLine.replaceChildren(el("p", { class: live ? "" : "muted" }, bits.join(" · "),
        opts.canAct && live ? [" ", el("button", { type: "button", class: "link-revoke danger", tabindex: "-1", onclick: () => revoke(link, linkLine) }, t("Cabut"))] : ""));
    }
    const fix = S.positions[0];
    if (!fix) {
      fixLine.replaceChildren(link ? el("p", { class: "muted" }, t("Belum ada lokasi dari ponsel.")) : "");
    } else {
      fixLine.replaceChildren(
        el("p", { class: "fix" },
          el("b", {}, t("Lokasi ponsel")), ": ",
          num(fix.lat, { maximumFractionDigits: 5, minimumFractionDigits: 5 }), ", ", num(fix.lon, { maximumFractionDigits: 5, minimumFractionDigits: 5 }),
          " ", el("span", { class: "acc" }, "±" + metresText(fix.accuracy_m)), " · ",
          el("span", { class: "fix-age", dataset: { at: fix.received_at } }, ago(fix.received_at, clock)),
          S.positions.length > 1 ? " · " + fmt(t("%(n)s titik"), { n: S.positions.length }) : "",
          fix.adopted_at ? [" · ", el("span", { class: "adopted" }, t("dipakai sebagai lokasi kejadian"))] : ""),
        opts.canAct ? el("button", { type: "button", class: "caller-adopt primary", onclick: () => adopt(fix) }, t("Pakai lokasi ini"),
          opts.keys && opts.keys.adopt ? [" ", el("kbd", {}, opts.keys.adopt)] : "") : "");
    }
    photoRow.replaceChildren(...S.photos.slice(0, 10).map((p) => el("a", { href: p.url, target: "_blank", rel: "noopener", class: "caller-photo",
      title: fmt(t("Foto %(t)s"), { t: clock(p.received_at) }) },
    el("img", { src: p.thumbnail_url, alt: fmt(t("Foto dari penelepon, %(t)s"), { t: clock(p.received_at) }), loading: "lazy" }))));
    chatList.replaceChildren(...S.messages.map((m) => el("li", { class: "msg " + (m.direction === "in" ? "in" : "out"), dataset: { id: m.id } },
      el("small", {}, m.direction === "in" ? t("Penelepon") : (m.by_name || t("Petugas")), m.channel === "sms" ? " · SMS" : "", " · ", clock(m.at)),
      el("span", {}, m.text))));
    chatList.hidden = S.messages.length === 0;
    chatList.scrollTop = chatList.scrollHeight;
  }

  function tick() {
    for (const node of root.querySelectorAll(".fix-age[data-at]")) node.textContent = ago(node.dataset.at, clock);
  }

  render();
  root.hidden = true;
  return {
    setOwner, onEvent, tick, sendLink, adopt, reply, load,
    focusReply: () => input.focus(),
    latest: () => S.positions[0] || null,
    get owner() { return S.owner; },
    clock,
  };
}
