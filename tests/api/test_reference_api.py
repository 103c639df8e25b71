"""Categories and agencies: reference data for the consoles and integrators."""
import pytest

from tests import factories as f
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_categories_with_localised_name_script_and_related(api, fire_category):
    flood = f.CategoryFactory(code="banjir", name_id="Banjir", name_en="Flood", responsible_agency_types=["disaster"], question_script=[])
    fire_category.related.add(flood)
    f.CategoryFactory(code="lama", name_id="Lama", name_en="Old", is_active=False)
    body = api.get("/api/v1/categories/").json()
    assert [c["code"] for c in body] == ["banjir", "kebakaran"]
    fire = body[1]
    assert fire["name"] == "Kebakaran" and fire["name_en"] == "Fire" and fire["default_priority"] == 2
    assert fire["responsible_agency_types"] == ["fire"] and fire["related"] == ["banjir"]
    assert fire["question_script"][0]["key"] == "people_trapped"
    english = api.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [c["name"] for c in english] == ["Flood", "Fire"]


def test_agencies_with_filters(api, damkar, centre, smd_centre):
    police = f.AgencyFactory(command_centre=centre, type="police", short_name="Polresta")
    smd_fire = f.AgencyFactory(command_centre=smd_centre, type="fire", short_name="Damkar SMD")
    f.AgencyFactory(command_centre=centre, type="fire", is_active=False)
    body = api.get("/api/v1/agencies/").json()
    assert {a["id"] for a in body} == {damkar.pk, police.pk, smd_fire.pk}
    row = next(a for a in body if a["id"] == damkar.pk)
    assert row["command_centre"] == "pky" and row["type"] == "fire" and row["regions"] == ["62.71"] and row["short_name"] == "Damkar PKY"
    assert [a["id"] for a in api.get("/api/v1/agencies/?type=fire&command_centre=pky").json()] == [damkar.pk]
    assert [a["id"] for a in api.get("/api/v1/agencies/?command_centre=smd").json()] == [smd_fire.pk]
    assert_error(api.get("/api/v1/agencies/?type=spaceship"), 400, field="type")


def test_reference_lists_do_not_grow_queries_with_rows(api, centre, django_assert_max_num_queries):
    for i in range(20):
        f.AgencyFactory(command_centre=centre, type="fire")
        f.CategoryFactory(code=f"cat{i}", name_id=f"Kategori {i}")
    with django_assert_max_num_queries(2):
        api.get("/api/v1/agencies/")
    with django_assert_max_num_queries(2):
        api.get("/api/v1/categories/")
