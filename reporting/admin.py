from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agencies.models import AgencyType

from .models import MonthlyReport, ReportTarget


@admin.register(ReportTarget)
class ReportTargetAdmin(admin.ModelAdmin):
    list_display = ("command_centre", "code", "name", "interval", "threshold_s", "goal_percent", "agency_type_label", "is_active")
    list_filter = ("command_centre", "interval", "is_active")

    @admin.display(description=_("jenis instansi"), ordering="agency_type")
    def agency_type_label(self, obj):
        # stored as the AgencyType code ("fire"), blank for a centre-wide target
        return str(dict(AgencyType.choices).get(obj.agency_type, obj.agency_type)) if obj.agency_type else "—"


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("command_centre", "month", "generated_at", "build_count")
    # The stored numbers are the report's JSON (what the page and the exports were built from); people read the
    # report in its files, so the admin shows those and not the JSON.
    fields = ("command_centre", "month", "csv_file", "xlsx_file", "pdf_file", "generated_at", "build_count")
    readonly_fields = ("generated_at", "build_count")
