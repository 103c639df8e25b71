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


def test_crew_picks_unit_in_session(damkar_dispatcher, engine, centre):
    c = login(damkar_dispatcher)
    r = c.get("/crew/")
    assert r.status_code == 200 and engine.call_sign in r.content.decode()
    foreign = f.UnitFactory(agency=f.AgencyFactory(command_centre=centre, type="ems"))
    c.post("/crew/", {"unit": foreign.pk})
    assert "crew_unit_id" not in c.session
    r = c.post("/crew/", {"unit": engine.pk})
    assert r.status_code == 302 and c.session["crew_unit_id"] == engine.pk
    html = c.get("/crew/").content.decode()
    assert 'data-to="on_scene"' in html and f'"unit": {engine.pk}' in html
    assert login(f.supervisor(centre, username="sup2")).get("/crew/").status_code == 403
