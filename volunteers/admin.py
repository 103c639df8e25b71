"""Admin for volunteer communities and volunteers; call-outs are read-only (they change through services)."""
from django.contrib import admin

from agencies.admin_maps import LeafletGeoAdmin
from volunteers.models import CallOut, Volunteer, VolunteerCommunity


@admin.register(VolunteerCommunity)
class VolunteerCommunityAdmin(LeafletGeoAdmin):
    list_display = ("name", "kind", "command_centre", "coordinator_phone", "approved_at", "is_active")
    list_filter = ("kind", "command_centre", "is_active")
    list_select_related = ("command_centre",)
    search_fields = ("name",)


@admin.register(Volunteer)
class VolunteerAdmin(LeafletGeoAdmin):
    list_display = ("name", "community", "phone", "availability", "status", "user")
    list_filter = ("availability", "status", "community__command_centre", "community")
    list_select_related = ("community", "user")
    search_fields = ("name", "phone")
    autocomplete_fields = ("community",)
    raw_id_fields = ("user",)


@admin.register(CallOut)
class CallOutAdmin(admin.ModelAdmin):
    list_display = ("id", "incident", "community", "needed", "status", "sent_at", "ack_deadline", "filled_at", "completed_at")
    list_filter = ("status", "community")
    list_select_related = ("incident", "community")
    search_fields = ("incident__reference", "community__name")
    date_hierarchy = "sent_at"
    show_full_result_count = False

    # Call-outs move through the volunteer services, which write the timeline: view only here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
