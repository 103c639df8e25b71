"""The admin in Bahasa Indonesia, with maps for places and a readable timeline (issue 16, item 4)."""
import re

import pytest
from django.contrib import admin
from django.contrib.gis.geos import Point
from django.db.models import GeneratedField
from django.utils.functional import Promise

from incidents.events import EVENT_KINDS
from incidents.timeline_text import KIND_LABELS
from tests import factories as f

OUR_APPS = {"agencies", "incidents", "volunteers", "reporting"}


def test_every_model_and_field_the_admin_shows_has_a_translatable_name():
    # Without an explicit gettext_lazy name Django shows the English attribute ("Aml reports", "created at").
    missing = []
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        for attr in ("verbose_name", "verbose_name_plural"):
            if not isinstance(meta.original_attrs.get(attr), Promise):
                missing.append(f"{meta.label}.Meta.{attr}")
        for field in meta.get_fields():
            # a GeneratedField (the caller key) is derived, never shown, and cannot be altered by a migration
            if isinstance(field, GeneratedField):
                continue
            if field.concrete and not field.auto_created and not isinstance(field.verbose_name, Promise):
                missing.append(f"{meta.label}.{field.name}")
    assert missing == []


def test_every_event_kind_has_a_label():
    assert set(KIND_LABELS) == set(EVENT_KINDS)


@pytest.mark.django_db
def test_the_admin_site_is_titled_in_indonesian(admin_client):
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Administrasi 112" in html and "Django administration" not in html and "Administrasi Django" not in html


@pytest.mark.django_db
def test_an_incident_shows_its_place_on_a_map_and_a_readable_timeline(admin_client, make_incident, damkar_dispatcher):
    from incidents.services import incident_route
    from incidents.services.assignments import assignment_decline

    # given a Samarinda (WITA) incident routed to and declined by Damkar
    incident = make_incident()
    centre = incident.command_centre
    centre.timezone = "Asia/Makassar"
    centre.save(update_fields=["timezone"])
    [assignment] = incident_route(incident_id=incident.pk, actor=incident.created_by)
    assignment_decline(assignment_id=assignment.pk, actor=damkar_dispatcher, reason="Semua unit sedang bertugas")

    # when the admin opens it
    html = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/", HTTP_ACCEPT_LANGUAGE="id").content.decode()

    # then the place is a map (its data attributes), not WKT, and the timeline is sentences, not JSON
    assert 'class="admin-point-map"' in html and "SRID=4326" not in html and "POINT(" not in html
    assert 'leaflet/leaflet.js' in html and "js/admin/point-map.js" in html
    assert "Instansi menolak" in html and "Ditawarkan → Ditolak" in html and "alasan: Semua unit sedang bertugas" in html
    assert "Baru → Diteruskan" in html
    assert re.search(r"\d{2}\.\d{2}\.\d{2} WITA", html), "event times in the centre's zone"
    assert '"assignment":' not in html and "assignment.declined" not in html


@pytest.mark.django_db
def test_the_timeline_list_filters_by_label_not_code(admin_client, make_incident):
    make_incident()
    html = admin_client.get("/admin/incidents/timelineevent/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Kejadian dicatat" in html and ">incident.created<" not in html


@pytest.mark.django_db
def test_a_units_last_position_is_a_map(admin_client, damkar):
    unit = f.UnitFactory(agency=damkar, position=Point(113.92, -2.21, srid=4326))
    html = admin_client.get(f"/admin/agencies/unit/{unit.pk}/change/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert 'class="admin-point-map"' in html and "SRID=4326" not in html


@pytest.mark.django_db
def test_admin_map_widgets_run_under_the_content_security_policy(admin_client, settings, damkar):
    # django-leaflet's editable widgets write inline scripts: admin pages get a nonce, other pages none
    settings.CONTENT_SECURITY_POLICY = True
    response = admin_client.get(f"/admin/agencies/agency/{damkar.pk}/change/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert "nonce-" not in admin_client.get("/login/")["Content-Security-Policy"]



@pytest.mark.django_db
def test_the_map_drawing_toolbar_speaks_indonesian(admin_client, damkar):
    # django-leaflet has no Indonesian and its admin widget never applied its labels: ours come with the widget
    html = admin_client.get(f"/admin/agencies/agency/{damkar.pk}/change/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert 'id="with-forms"' in html
    assert re.search(r'id="edit-toolbar-buttons-edit"[^>]*>"Sunting bidang"<', html)


@pytest.mark.django_db
def test_notifications_say_why_in_words(admin_client, make_incident):
    from django.utils import timezone

    from incidents.models import Notification

    Notification.objects.create(channel="sms", recipient="081200000001", body="x", reason="second_stage",
                                incident=make_incident(), created_at=timezone.now())
    html = admin_client.get("/admin/incidents/notification/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Eskalasi tahap kedua" in html and "second_stage<" not in html


@pytest.mark.django_db
def test_report_targets_name_the_agency_kind(admin_client, centre):
    from reporting.models import Interval, ReportTarget

    ReportTarget.objects.create(command_centre=centre, code="damkar_respon", name="Respons Damkar",
                                interval=Interval.RESPONSE, threshold_s=900, agency_type="fire")
    html = admin_client.get("/admin/reporting/reporttarget/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Pemadam kebakaran (Damkar)" in html and ">fire<" not in html


@pytest.mark.django_db
def test_a_monthly_report_shows_its_files_not_its_json(admin_client, centre):
    import datetime

    from django.utils import timezone

    from reporting.models import MonthlyReport

    report = MonthlyReport.objects.create(command_centre=centre, month=datetime.date(2026, 2, 1), data={"calls": {"total": 7}},
                                          generated_at=timezone.now())
    html = admin_client.get(f"/admin/reporting/monthlyreport/{report.pk}/change/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Berkas PDF" in html
    assert '"total": 7' not in html and "{&#x27;calls&#x27;" not in html
