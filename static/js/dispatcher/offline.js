/* The dispatcher console without the server (issue 26). An accept, a decline or a completion made while the server
 * is away waits in this computer's queue (../lib/outbox.js) and goes in order when it is back; the server's rules
 * decide: an accept another dispatcher beat reads 409, is said on screen ("Penugasan … sudah diterima oleh … — aksi
 * Anda tidak dikirim.") until it is read, and is dropped from the queue. The screen shows the action at once. */
import { t, fmt } from "../lib/i18n.js";
import { keepPageOffline, openOutbox } from "../lib/outbox.js";

const ASSIGNMENT_STATUS = {
  accepted: t("diterima"), declined: t("ditolak"), expired: t("kedaluwarsa"), handed_off: t("dialihkan"),
  completed: t("selesai"), cancelled: t("dibatalkan"),
};

function uuid() {
  return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
}

/* { cfg, state, render, flash, errorMessage, scheduleReload } of dispatcher.js → { outbox, queueAction } */
export function mountOffline({ cfg, state, render, flash, errorMessage, scheduleReload }) {
  // A refusal from the queue stays until it is read: the dispatcher may have looked away while the server was back.
  const flashSticky = (text) => flash(text, "conflict", { label: t("Mengerti"), run: () => {} }, true);
  const outbox = openOutbox({
    queue: "dispatcher:" + cfg.user,
    labels: {
      offline: t("Server terputus — aksi disimpan di komputer ini"),
      sending: t("Mengirim aksi yang tersimpan…"),
      back: (items) => fmt(t("Tersambung kembali — %(n)s aksi dikirim"), { n: items.length }),
      queued: (n) => (n ? fmt(t("%(n)s dalam antrean"), { n }) : ""),
    },
    onSent: () => scheduleReload(),
    onRefused: (item, res) => {
      const data = (res.data && res.data.error) || {}; // the refusal carries the assignment as it is, and who answered it
      const a = data.assignment || {};
      if (res.status === 409 && item.kind === "accept" && a.status === "accepted" && data.acted_by && data.acted_by.id === cfg.user) {
        scheduleReload(); // sent before, its answer lost: it was ours all along
        return;
      }
      let text;
      if (res.status === 409 && a.status === "accepted" && data.acted_by) {
        text = fmt(t("Penugasan %(ref)s sudah diterima oleh %(who)s — aksi Anda tidak dikirim."), { ref: item.label, who: data.acted_by.name });
      } else if (res.status === 409 && a.status) {
        text = fmt(t("Penugasan %(ref)s sudah %(status)s — aksi Anda tidak dikirim."), { ref: item.label, status: ASSIGNMENT_STATUS[a.status] || a.status });
      } else {
        text = fmt(t("Aksi untuk %(ref)s tidak dikirim: %(m)s"), { ref: item.label, m: errorMessage(res) });
      }
      flashSticky(text);
      scheduleReload();
    },
    onState: (online) => { if (online) scheduleReload(); },
  });
  keepPageOffline();

  function queueAction(kind, path, body, a) {
    return outbox.add({ kind, method: "POST", url: path, body, key: uuid(), label: a ? a.incident_reference : "" }).then(() => {
      // The screen as it will be once the server takes it; the server's answer (or its refusal) puts it right.
      if (a) {
        state.offered = state.offered.filter((x) => x.id !== a.id);
        state.accepted = state.accepted.filter((x) => x.id !== a.id);
        if (kind === "accept") { a.status = "accepted"; a.queued = true; state.accepted.unshift(a); }
        render();
      }
      flash(fmt(t("%(ref)s: disimpan di komputer ini — dikirim saat server tersambung kembali."), { ref: a ? a.incident_reference : "" }), "ok");
      return { ok: true, queued: true, status: 202, data: null };
    });
  }
  return { outbox, queueAction };
}
