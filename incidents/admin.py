"""Admin for categories and escalation rules (configuration), and read-only views of the workflow data.

Incidents, assignments, alerts and call-outs change only through incidents.services, which lock,
re-check and write the append-only timeline; the admin therefore only shows them. TimelineEvent has
no add/change/delete permission at all (a database trigger refuses UPDATE/DELETE anyway).
"""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
        return ", ".join(obj.responsible_agency_types)


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ("id", "command_centre", "category", "priority", "ack_seconds", "second_stage_seconds")
    list_filter = ("command_centre", "priority")
    list_select_related = ("command_centre", "category")
    autocomplete_fields = ("command_centre", "category")


class TimelineInline(ReadOnlyMixin, admin.TabularInline):
    model = TimelineEvent
    fields = ("seq", "at", "kind", "actor", "payload")
    readonly_fields = fields
    ordering = ("seq",)
    extra = 0
    can_delete = False
    show_change_link = False


class AssignmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Assignment
    fk_name = "incident"
    fields = ("agency", "status", "offered_at", "ack_deadline", "accepted_at", "escalation_stage", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "category", "priority", "status", "command_centre", "district", "caller_number", "created_at")
    list_filter = ("status", "priority", "command_centre", "category")
    list_select_related = ("category", "command_centre", "district")
    search_fields = ("^reference", "caller_number", "address")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = (AssignmentInline, TimelineInline)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "incident", "agency", "status", "offered_at", "ack_deadline", "accepted_at", "escalation_stage")
    list_filter = ("status", "agency__command_centre", "agency__type")
    list_select_related = ("incident", "agency")
    search_fields = ("^incident__reference", "agency__short_name")
    date_hierarchy = "offered_at"
    show_full_result_count = False


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Append-only: visible, never added, changed or deleted here."""

    list_display = ("seq", "at", "kind", "incident", "actor")
    list_filter = ("kind",)
    list_select_related = ("incident", "actor")
    search_fields = ("^incident__reference", "kind")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(SupervisorAlert)
class SupervisorAlertAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "incident", "command_centre", "created_at", "acknowledged_at", "acknowledged_by")
    list_filter = ("kind", "command_centre")
    list_select_related = ("incident", "command_centre", "acknowledged_by")
    search_fields = ("^incident__reference", "message")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "channel", "recipient", "status", "reason", "attempts", "incident", "created_at", "sent_at")
    list_filter = ("channel", "status", "reason")
    list_select_related = ("incident",)
    search_fields = ("recipient", "^incident__reference")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(AmlReport)
class AmlReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Handset locations (AML/ELS) as received, with the problems found in them; kept for audit."""

    list_display = ("id", "received_at", "source", "device_number", "accuracy_m", "positioning_method", "call", "problem_count")
    list_filter = ("source", "positioning_method")
    list_select_related = ("call",)
    search_fields = ("device_number",)
    date_hierarchy = "received_at"
    show_full_result_count = False

    @admin.display(description=_("masalah"))
    def problem_count(self, obj):
        return len(obj.problems)
