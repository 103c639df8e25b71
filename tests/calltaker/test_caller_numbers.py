"""One caller, however the number was written: caller history, duplicate detection and AML matching compare
the national significant number (incidents.phone), computed by PostgreSQL and by Python alike."""
import pytest

from incidents.models import Call
from incidents.phone import caller_key
from incidents.selectors import caller_history, duplicate_candidates
from incidents.services import call_start

pytestmark = pytest.mark.django_db

SPELLINGS = ["081234567890", "+6281234567890", "+62 812-3456-7890", "6281234567890", "006281234567890", "0812 3456 7890"]


def test_the_database_computes_the_same_key_as_python(call_taker):
    numbers = SPELLINGS + ["(0536) 322-1234", "+60 12-345 6789", "112", ""]
    calls = [call_start(actor=call_taker, caller_number=n) for n in numbers if n != "(0536) 322-1234"]
    # a number typed with brackets is refused by the service; a PBX or an import may still store one
    calls.append(Call.objects.create(command_centre=call_taker.command_centre, caller_number="(0536) 322-1234"))
    stored = dict(Call.objects.filter(pk__in=[c.pk for c in calls]).values_list("caller_number", "caller_key"))
    assert stored == {n: caller_key(n) for n in numbers}
    assert {stored[n] for n in SPELLINGS} == {"81234567890"}
    assert stored["(0536) 322-1234"] == "5363221234" and stored["+60 12-345 6789"] == "60123456789"


def test_caller_history_finds_every_spelling_of_the_number(call_taker, make_incident):
    for n in SPELLINGS[:3]:
        call_start(actor=call_taker, caller_number=n)
    reported = make_incident(caller_number="0812-3456-7890")
    call_start(actor=call_taker, caller_number="081299999999")  # someone else
    history = caller_history(centres=[call_taker.command_centre_id], number="+6281234567890")
    assert history["total_calls"] == 3
    assert [i["id"] for i in history["open_incidents"]] == [reported.pk]


def test_the_same_caller_is_recognised_as_a_possible_duplicate_whatever_the_spelling(make_incident, centre):
    first = make_incident(caller_number="+62 812-3456-7890")
    make_incident(caller_number="081299999999")
    rows = duplicate_candidates(centre_ids=[centre.pk], point=None, caller_number="081234567890")
    assert [(r["id"], r["same_caller"]) for r in rows] == [(first.pk, True)]
