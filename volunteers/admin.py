"""Admin for volunteer communities and volunteers; call-outs are read-only (they change through services)."""
from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from volunteers.models import CallOut, Volunteer, VolunteerCommunity


@admin.register(VolunteerCommunity)
class VolunteerCommunityAdmin(LeafletGeoAdmin):
    list_display = ("name", "kind", "command_centre", "coordinator_phone", "is_active")
    list_filter = ("kind", "command_centre", "is_active")
    list_select_related = ("command_centre",)
    search_fields = ("name",)


@admin.register(Volunteer)
class VolunteerAdmin(LeafletGeoAdmin):
    list_display = ("name", "community", "phone", "availability", "user")
    list_filter = ("availability", "community__command_centre", "community")
    list_select_related = ("community", "user")
    search_fields = ("name", "phone")
    autocomplete_fields = ("community",)
    raw_id_fields = ("user",)


@admin.register(CallOut)
class CallOutAdmin(admin.ModelAdmin):
    list_display = ("id", "incident", "community", "volunteer", "status", "sent_at", "accepted_at", "on_scene_at", "completed_at")
    list_filter = ("status", "community")
    list_select_related = ("incident", "community", "volunteer")
    search_fields = ("incident__reference", "community__name", "volunteer__name")
    date_hierarchy = "sent_at"
    show_full_result_count = False

    # Call-outs move through the volunteer services, which write the timeline: view only here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
