/* A timeline event's kind as people read it (the kinds of incidents/events.py). A kind not listed here shows
 * as `fallback` — by default the kind itself, so a new kind is visible before it is named. */
import { t } from "./i18n.js";

const KIND = {
  "incident.created": t("Kejadian dicatat"),
  "incident.updated": t("Data kejadian dikoreksi"),
  "incident.status_changed": t("Status kejadian berubah"),
  "incident.duplicate_linked": t("Penelepon lain melaporkan kejadian yang sama"),
  "incident.imported": t("Diterima dari sistem lain (EIDO)"),
  "incident.eido_updated": t("Pembaruan dari sistem lain (EIDO)"),
  "assignment.offered": t("Ditawarkan ke instansi"),
  "assignment.accepted": t("Instansi menerima"),
  "assignment.declined": t("Instansi menolak"),
  "assignment.handed_off": t("Dialihkan ke instansi lain"),
  "assignment.completed": t("Instansi selesai menangani"),
  "assignment.expired": t("Batas konfirmasi lewat"),
  "assignment.cancelled": t("Penugasan ditarik"),
  "unit.status_changed": t("Status unit berubah"),
  "unit.position": t("Posisi unit"),
  "alert.raised": t("Peringatan supervisor"),
  "alert.acknowledged": t("Peringatan dikonfirmasi"),
  "call.location": t("Lokasi perangkat penelepon"),
  "callout.sent": t("Relawan dipanggil"),
  "callout.accepted": t("Relawan menerima"),
  "callout.declined": t("Relawan menolak"),
  "callout.filled": t("Jumlah relawan terpenuhi"),
  "callout.expired": t("Panggilan relawan lewat batas"),
  "callout.status": t("Laporan relawan"),
  "callout.cancelled": t("Panggilan relawan dibatalkan"),
  "caller.link_sent": t("Tautan lokasi dikirim ke penelepon"),
  "caller.link_opened": t("Penelepon membuka tautan"),
  "caller.link_ended": t("Tautan penelepon berakhir"),
  "caller.position": t("Lokasi dari ponsel penelepon"),
  "caller.photo": t("Foto dari penelepon"),
  "caller.message": t("Pesan penelepon"),
  "callout.ended": t("Panggilan relawan berakhir: kejadian selesai"),
  "callout.none_available": t("Tidak ada relawan tersedia untuk dipanggil"),
  "cardiac_arrest.recognised": t("Dugaan henti jantung dikenali"),
  "cardiac_arrest.step": t("Langkah RJP"),
};

export function kindLabel(kind, fallback = kind) {
  return KIND[kind] || fallback;
}
