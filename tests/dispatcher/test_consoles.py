"""The dispatcher console and the crew page render for the right roles with what the browser needs."""
import json

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_dispatcher_console_renders_config(damkar_dispatcher, damkar, engine):
    smd_agency = f.AgencyFactory(command_centre=f.samarinda_centre(), type="fire", short_name="Damkar SMD")
    r = login(damkar_dispatcher).get("/console/dispatcher/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-last-seq="' in html and 'id="live-state"' in html and "js/lib/live.js" in html
    cfg = json.loads(html.split('<script id="dp-config" type="application/json">')[1].split("</script>")[0])
    assert cfg["agencyIds"] == [damkar.pk] and cfg["canAct"] is True
    # the handoff list crosses centres
    ids = {a["id"] for g in cfg["handoffTargets"] for a in g["agencies"]}
    assert {damkar.pk, smd_agency.pk} <= ids
    # unit buttons come from the one transition table
    assert cfg["units"]["next"]["en_route"] == ["available", "on_scene", "out_of_service"]
    assert "dispatched" not in cfg["units"]["next"]["available"]


def test_dispatcher_console_roles(call_taker, centre):
    assert login(call_taker).get("/console/dispatcher/").status_code == 403
    r = login(f.supervisor(centre, username="sup")).get("/console/dispatcher/")
    assert r.status_code == 200 and '"canAct": false' in r.content.decode()
    assert Client().get("/console/dispatcher/").status_code == 302


def test_home_sends_dispatcher_to_console(damkar_dispatcher):
    r = login(damkar_dispatcher).get("/")
    assert r.status_code == 302 and r["Location"] == "/console/dispatcher/"


def test_crew_page_belongs_to_the_crew_login_of_one_unit(damkar_dispatcher, engine, engine2, centre):
    crew = f.crew(engine, username="kru_dmk_01")
    # given a crew login of one unit: home sends it to the phone page, which shows that unit (nothing to pick)
    c = login(crew)
    r = c.get("/")
    assert r.status_code == 302 and r["Location"] == "/crew/"
    html = c.get("/crew/").content.decode()
    assert engine.call_sign in html and engine2.call_sign not in html
    cfg = json.loads(html.split('<script id="crew-config" type="application/json">')[1].split("</script>")[0])
    assert cfg["unit"] == engine.pk
    # a fire engine's crew has no patient steps
    assert "transporting" not in cfg["units"]["order"] and "transporting" not in cfg["units"]["next"]["on_scene"]
    # other roles have their own screens
    assert login(damkar_dispatcher).get("/crew/").status_code == 403
    assert login(f.supervisor(centre, username="sup2")).get("/crew/").status_code == 403


def test_unit_board_columns_follow_the_agency_kind(damkar_dispatcher, centre):
    def columns(user):
        html = login(user).get("/console/dispatcher/").content.decode()
        return json.loads(html.split('<script id="dp-config" type="application/json">')[1].split("</script>")[0])["units"]["order"]

    assert "transporting" not in columns(damkar_dispatcher) and "at_hospital" not in columns(damkar_dispatcher)
    psc = f.dispatcher(f.AgencyFactory(command_centre=centre, type="ems", short_name="PSC"), username="disp_psc")
    assert {"transporting", "at_hospital"} <= set(columns(psc))


def test_dispatcher_config_names_categories_and_capabilities(damkar_dispatcher, fire_category):
    html = login(damkar_dispatcher).get("/console/dispatcher/").content.decode()
    cfg = json.loads(html.split('<script id="dp-config" type="application/json">')[1].split("</script>")[0])
    assert cfg["capabilities"]["fire_suppression"] == "pemadaman api"
    fire = cfg["categories"][fire_category.code]
    assert fire["name"] == fire_category.name_id
    assert [q["key"] for q in fire["questions"]] == [q["key"] for q in fire_category.question_script]
