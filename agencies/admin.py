"""Admin for places, centres, agencies and users, with Leaflet map widgets for every geometry.

Region holds ~91,600 rows (83,762 villages): its changelist never counts the whole table, never loads
boundaries, and picks parents through a raw id field.
"""
from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.contrib.auth.admin import UserAdmin
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from agencies.admin_maps import LeafletGeoAdmin, LeafletGeoAdminMixin, PointMapMedia, map_display
from agencies.capabilities import capability_name
from agencies.aed_import import ImportFailed, aeds_import
from agencies.models import Aed, Agency, CommandCentre, Landmark, Region, Station, Unit, User


@admin.register(Region)
class RegionAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "level", "parent", "timezone", "has_boundary", "boundary_is_approximate")
    list_filter = ("level", "timezone", "boundary_is_approximate")
    search_fields = ("^code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ("boundary_source_note",)
    fields = ("code", "level", "name", "parent", "timezone", "boundary", "boundary_is_approximate", "boundary_source",
              "boundary_source_note", "centroid")

    def get_queryset(self, request):
        # Boundaries can be megabytes per region: the list only needs to know whether one exists.
        return (
            super().get_queryset(request)
            .defer("boundary", "centroid", "parent__boundary", "parent__centroid")
            .annotate(_has_boundary=ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField()))
        )

    def get_readonly_fields(self, request, obj=None):
        # The Kemendagri code is the primary key: fixed once the region exists.
        return self.readonly_fields + (("code",) if obj else ())

    @admin.display(boolean=True, description=_("ada batas"), ordering="_has_boundary")
    def has_boundary(self, obj):
        return obj._has_boundary

    @admin.display(description=_("catatan batas"))
    def boundary_source_note(self, obj):
        if obj is None or obj.boundary_is_approximate is False:
            return "—"
        # the command is shown as code (it is typed as is), the sentence around it is translated
        text = escape(_("Batas ini perkiraan untuk demo, bukan batas resmi. Muat batas resmi dengan %(command)s."))
        return mark_safe(text % {"command": "<code>manage.py import_boundaries</code>"})


@admin.register(CommandCentre)
class CommandCentreAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "reference_prefix", "province", "timezone", "phone", "auto_close_resolved_min")
    list_select_related = ("province",)
    search_fields = ("code", "name")
    autocomplete_fields = ("province", "regions")
    fieldsets = (
        (None, {"fields": ("code", "reference_prefix", "name", "province", "regions", "timezone", "location", "phone")}),
        (_("Peringatan kejadian tanpa instansi"), {
            "description": _(
                "Supervisor diberi peringatan bila sebuah kejadian tidak dipegang instansi mana pun (belum diteruskan, "
                "atau semua instansi menolak / tidak merespons) lebih lama dari batas prioritasnya. Perubahan berlaku "
                "untuk kejadian yang menjadi tanpa instansi setelah disimpan."
            ),
            "fields": ("unrouted_alert_p1_s", "unrouted_alert_p2_s", "unrouted_alert_p3_s", "unrouted_alert_p4_s"),
        }),
        (_("Penutupan otomatis"), {
            "description": _(
                "Kejadian tertangani (semua instansi selesai) ditutup otomatis oleh sistem setelah sekian menit, tercatat "
                "di linimasa sebagai tindakan sistem. Berlaku untuk kejadian yang tertangani setelah disimpan; 0 mematikannya."
            ),
            "fields": ("auto_close_resolved_min",),
        }),
        (_("Dugaan henti jantung"), {
            "description": _(
                "Saat henti jantung dicurigai, sistem memanggil sendiri relawan terlatih RJP terdekat (paling banyak 3 ke "
                "pasien, 1 lagi mengambil AED terdekat) dan menampilkan AED dalam radius ini."
            ),
            "fields": ("cardiac_auto_callout", "cardiac_radius_m"),
        }),
    )


class StationInline(LeafletGeoAdminMixin, admin.StackedInline):
    model = Station
    extra = 0
    fields = ("name", "address", "location")


@admin.register(Agency)
class AgencyAdmin(LeafletGeoAdmin):
    list_display = ("short_name", "name", "type", "command_centre", "backup_agency", "is_active")
    list_filter = ("type", "command_centre", "is_active")
    list_select_related = ("command_centre", "backup_agency")
    search_fields = ("short_name", "name")
    autocomplete_fields = ("command_centre", "regions", "backup_agency")
    inlines = (StationInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("jurisdiction")


@admin.register(Station)
class StationAdmin(LeafletGeoAdmin):
    list_display = ("name", "agency", "address")
    list_filter = ("agency__command_centre", "agency__type")
    list_select_related = ("agency",)
    search_fields = ("name", "address", "agency__short_name")
    autocomplete_fields = ("agency",)


@admin.register(Unit)
class UnitAdmin(PointMapMedia, LeafletGeoAdmin):
    list_display = ("call_sign", "agency", "type", "status", "capabilities_list", "station", "position_at")
    list_filter = ("status", "type", "agency__command_centre", "agency__type")
    list_select_related = ("agency", "station")
    search_fields = ("call_sign", "agency__short_name")
    autocomplete_fields = ("agency", "station")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # Status and AVL position change through the dispatch services (which write the timeline);
        # the admin sets them only when a unit is first registered.
        if obj is not None:
            return ("status", "status_changed_at", "position_map", "position_at")
        return ()

    # The last AVL position of a registered unit, on a map (read-only: it changes through the crew phone/tracker).
    position_map = map_display("position", _("posisi terakhir"))

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None:
            fields = [f for f in fields if f != "position"]
            if "position_map" not in fields:
                fields.insert(fields.index("position_at") if "position_at" in fields else len(fields), "position_map")
        return fields

    @admin.display(description=_("kemampuan"))
    def capabilities_list(self, obj):
        return ", ".join(capability_name(code) for code in obj.capabilities)


@admin.register(Landmark)
class LandmarkAdmin(LeafletGeoAdmin):
    list_display = ("name", "command_centre")
    list_filter = ("command_centre",)
    list_select_related = ("command_centre",)
    search_fields = ("name",)


class AedImportForm(forms.Form):
    command_centre = forms.ModelChoiceField(CommandCentre.objects.all(), label=_("pusat panggilan"))
    file = forms.FileField(label=_("berkas CSV"))


@admin.register(Aed)
class AedAdmin(LeafletGeoAdmin):
    """AEDs on a map; many at once from a CSV file ("Impor CSV", or `manage.py import_aeds`)."""

    list_display = ("name", "command_centre", "access", "available_hours", "address", "is_active")
    list_filter = ("command_centre", "access", "is_active")
    list_select_related = ("command_centre",)
    search_fields = ("name", "address")
    autocomplete_fields = ("command_centre",)
    raw_id_fields = ("region",)
    fields = ("command_centre", "name", "location", "address", "access", "available_hours", "note", "region", "is_active")
    change_list_template = "agencies/admin/aed_change_list.html"

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="agencies_aed_import"), *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return redirect("admin:agencies_aed_changelist")
        errors = []
        form = AedImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > 5 * 1024 * 1024:
                    raise ImportFailed([_("Berkas lebih dari 5 MB.")])
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise ImportFailed([_("Berkas harus teks UTF-8 (CSV).")]) from None
                created, updated = aeds_import(centre=form.cleaned_data["command_centre"], text=text)
            except ImportFailed as exc:
                errors = exc.errors
            else:
                self.message_user(request, _("%(c)d AED ditambahkan, %(u)d diperbarui.") % {"c": created, "u": updated}, messages.SUCCESS)
                return redirect("admin:agencies_aed_changelist")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "errors": errors,
                   "title": _("Impor AED dari CSV")}
        return TemplateResponse(request, "agencies/admin/aed_import.html", context)


# `unit` must be in the form: Django validates the scope constraint only when every field it names is in the form.
SCOPE_FIELDS = ("role", "command_centre", "agency", "community", "province", "unit", "phone", "language")


@admin.register(User)
class DispatchUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "command_centre", "agency", "community", "province", "is_active")
    list_filter = ("role", "command_centre", "is_active", "is_staff")
    list_select_related = ("command_centre", "agency", "community", "province")
    autocomplete_fields = ("command_centre", "agency", "community", "province", "unit")
    fieldsets = UserAdmin.fieldsets + ((_("Peran dan cakupan"), {
        "fields": SCOPE_FIELDS,
        "description": _("Operator, supervisor dan pejabat: pusat panggilan (atau provinsi untuk supervisor/pejabat "
                         "provinsi). Dispatcher: instansi. Relawan: komunitas. Kru: unitnya (satu akun per unit)."),
    }),)
    add_fieldsets = UserAdmin.add_fieldsets + ((_("Peran dan cakupan"), {"fields": SCOPE_FIELDS}),)
