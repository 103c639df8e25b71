"""Admin for categories and escalation rules (configuration), and read-only views of the workflow data.

Incidents, assignments, alerts and call-outs change only through incidents.services, which lock,
re-check and write the append-only timeline; the admin therefore only shows them. TimelineEvent has
no add/change/delete permission at all (a database trigger refuses UPDATE/DELETE anyway).
"""
import json
import zoneinfo

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from agencies.admin_maps import PointMapMedia, map_display
from agencies.models import AgencyType
from incidents import timeline_text
from incidents.events import EVENT_KINDS
from incidents.models import (
    AmlReport,
    Assignment,
    EscalationRule,
    Incident,
    IncidentCategory,
    Notification,
    SupervisorAlert,
    TimelineEvent,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_id", "name_en", "default_priority", "agency_types", "on_scene_target_min", "is_active")
    list_filter = ("default_priority", "is_active")
    search_fields = ("code", "name_id", "name_en")
    filter_horizontal = ("related",)
    prepopulated_fields = {"code": ("name_id",)}

    @admin.display(description=_("jenis instansi"))
    def agency_types(self, obj):
        names = dict(AgencyType.choices)
        return ", ".join(str(names.get(code, code)) for code in obj.responsible_agency_types)


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ("id", "command_centre", "category", "priority", "ack_seconds", "second_stage_seconds")
    list_filter = ("command_centre", "priority")
    list_select_related = ("command_centre", "category")
    autocomplete_fields = ("command_centre", "category")


def _centre_zone(incident):
    return incident.command_centre.timezone if incident is not None and incident.command_centre_id else None


class TimelineDisplay:
    """The timeline as people read it: time in the incident's centre zone, what happened, who, and a summary
    (incidents.timeline_text) instead of the payload's JSON."""

    @admin.display(description=_("waktu"), ordering="at")
    def time_local(self, obj):
        zone = _centre_zone(obj.incident) if obj.incident_id else None
        return format_html('<span class="timeline-time">{}</span>', timeline_text.local_time(obj.at, zone))

    @admin.display(description=_("peristiwa"), ordering="kind")
    def kind_label(self, obj):
        return timeline_text.kind_label(obj.kind)

    @admin.display(description=_("keterangan"))
    def summary_text(self, obj):
        return format_html('<span class="timeline-summary">{}</span>', timeline_text.summary(obj.kind, obj.payload))


class TimelineInline(TimelineDisplay, ReadOnlyMixin, admin.TabularInline):
    model = TimelineEvent
    fields = ("seq", "time_local", "kind_label", "actor", "summary_text")
    readonly_fields = fields
    ordering = ("seq",)
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "incident__command_centre")


class AssignmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Assignment
    fk_name = "incident"
    fields = ("agency", "status", "offered_at", "ack_deadline", "accepted_at", "escalation_stage", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency")


class CentreZoneChangeView:
    """A record's page shows its times in its centre's zone (WIB/WITA/WIT), whoever reads it: the response is
    rendered inside the override because a TemplateResponse would otherwise render after it ends."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        zone = self.centre_zone(obj) if obj is not None else None
        if not zone:
            return super().change_view(request, object_id, form_url, extra_context)
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response


@admin.register(Incident)
class IncidentAdmin(CentreZoneChangeView, ReadOnlyMixin, PointMapMedia, admin.ModelAdmin):
    list_display = ("reference", "category", "priority", "status", "command_centre", "district", "caller_number", "created_local")
    list_filter = ("status", "priority", "command_centre", "category")
    list_select_related = ("category", "command_centre", "district")
    search_fields = ("^reference", "caller_number", "address")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = (AssignmentInline, TimelineInline)
    location_map = map_display("location", _("lokasi"))
    readonly_fields = ("location_map", "answers_list")
    fieldsets = (
        (None, {"fields": ("reference", "command_centre", "category", "priority", "status", "created_by", "created_at")}),
        (_("Lokasi"), {"fields": ("location_map", "address", "location_accuracy_m", "location_source", "regency",
                                  "district", "village", "outside_service_area")}),
        (_("Penelepon"), {"fields": ("caller_number", "caller_name", "caller_count")}),
        (_("Uraian"), {"fields": ("description", "answers_list", "is_public_alert")}),
        (_("Tahapan"), {"fields": ("call_answered_at", "routed_at", "accepted_at", "dispatched_at", "on_scene_at",
                                   "on_scene_due_at", "resolved_at", "closed_at", "updated_at")}),
        (_("Dari sistem lain"), {"fields": ("external_tracking_id",), "classes": ("collapse",)}),
    )

    @staticmethod
    def centre_zone(obj):
        return _centre_zone(obj)

    @admin.display(description=_("dibuat"), ordering="created_at")
    def created_local(self, obj):
        return timeline_text.local_time(obj.created_at, _centre_zone(obj))

    @admin.display(description=_("jawaban SOP"))
    def answers_list(self, obj):
        """The question script's answers with their questions, not the stored {key: value} JSON."""
        answers = obj.answers or {}
        if not answers:
            return "—"
        questions = {q.get("key"): q for q in (obj.category.question_script or []) if isinstance(q, dict)}
        rows = []
        for key, value in answers.items():
            question = questions.get(key, {})
            text = question.get("question_id") or key
            if value is True:
                value = _("Ya")
            elif value is False:
                value = _("Tidak")
            rows.append((text, value))
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: <b>{}</b></li>", rows))


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "incident", "agency", "status", "offered_at", "ack_deadline", "accepted_at", "escalation_stage")
    list_filter = ("status", "agency__command_centre", "agency__type")
    list_select_related = ("incident", "agency")
    search_fields = ("^incident__reference", "agency__short_name")
    date_hierarchy = "offered_at"
    show_full_result_count = False


class EventKindFilter(admin.SimpleListFilter):
    """Kinds by their label, not their code."""

    title = _("peristiwa")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, timeline_text.kind_label(kind)) for kind in EVENT_KINDS]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(TimelineEvent)
class TimelineEventAdmin(CentreZoneChangeView, TimelineDisplay, ReadOnlyMixin, admin.ModelAdmin):
    """Append-only: visible, never added, changed or deleted here."""

    list_display = ("seq", "time_local", "kind_label", "incident", "actor", "summary_text")
    ordering = ("-seq",)  # the newest first: the list is where an administrator looks for what just happened
    list_filter = (EventKindFilter,)
    list_select_related = ("incident__command_centre", "actor")
    search_fields = ("^incident__reference", "kind")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ("seq", "time_local", "kind_label", "incident", "actor", "summary_text", "payload_pretty")
    readonly_fields = ("time_local", "kind_label", "summary_text", "payload_pretty")

    class Media:
        css = {"all": ["css/admin.css"]}

    @staticmethod
    def centre_zone(obj):
        return _centre_zone(obj.incident) if obj.incident_id else None

    @admin.display(description=_("data lengkap (untuk audit dan integrasi)"))
    def payload_pretty(self, obj):
        return format_html('<pre class="timeline-payload">{}</pre>',
                           json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True))


@admin.register(SupervisorAlert)
class SupervisorAlertAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "incident", "command_centre", "created_at", "acknowledged_at", "acknowledged_by")
    list_filter = ("kind", "command_centre")
    list_select_related = ("incident", "command_centre", "acknowledged_by")
    search_fields = ("^incident__reference", "message")
    date_hierarchy = "created_at"
    show_full_result_count = False


# Why a message was sent (Notification.reason, written by the services that queue it), in words.
NOTIFICATION_REASONS = {
    "second_stage": _("Eskalasi tahap kedua"),
    "callout": _("Panggilan relawan"),
    "callout_filled": _("Relawan sudah cukup"),
    "callout_cancelled": _("Panggilan relawan dibatalkan"),
    "callout_expired": _("Panggilan relawan lewat batas"),
    "callout_ended": _("Panggilan relawan berakhir: kejadian selesai"),
}


class NotificationReasonFilter(admin.SimpleListFilter):
    title = _("alasan kirim")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return list(NOTIFICATION_REASONS.items())

    def queryset(self, request, queryset):
        return queryset.filter(reason=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "channel", "recipient", "status", "reason_label", "attempts", "incident", "created_at", "sent_at")
    list_filter = ("channel", "status", NotificationReasonFilter)
    list_select_related = ("incident",)
    search_fields = ("recipient", "^incident__reference")

    @admin.display(description=_("alasan kirim"), ordering="reason")
    def reason_label(self, obj):
        return str(NOTIFICATION_REASONS.get(obj.reason, obj.reason or "—"))
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(AmlReport)
class AmlReportAdmin(ReadOnlyMixin, PointMapMedia, admin.ModelAdmin):
    """Handset locations (AML/ELS) as received, with the problems found in them; kept for audit."""

    location_map = map_display("location", _("lokasi"))
    fields = ("received_at", "source", "device_number", "location_map", "accuracy_m", "location_time",
              "positioning_method", "call", "problems", "raw_pretty")
    readonly_fields = ("location_map", "raw_pretty")

    @admin.display(description=_("pesan asli"))
    def raw_pretty(self, obj):
        return format_html('<pre class="timeline-payload">{}</pre>', json.dumps(obj.raw, ensure_ascii=False, indent=2))

    list_display = ("id", "received_at", "source", "device_number", "accuracy_m", "positioning_method", "call", "problem_count")
    list_filter = ("source", "positioning_method")
    list_select_related = ("call",)
    search_fields = ("device_number",)
    date_hierarchy = "received_at"
    show_full_result_count = False

    @admin.display(description=_("masalah"))
    def problem_count(self, obj):
        return len(obj.problems)
