from django.contrib import admin

from .models import MonthlyReport, ReportTarget


@admin.register(ReportTarget)
class ReportTargetAdmin(admin.ModelAdmin):
    list_display = ("command_centre", "code", "name", "interval", "threshold_s", "goal_percent", "agency_type", "is_active")
    list_filter = ("command_centre", "interval", "is_active")


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("command_centre", "month", "generated_at", "build_count")
    readonly_fields = ("data", "generated_at", "build_count")
