"""The console's recognition rule (static/js/lib/cardiac.js, run in Node) is the server's (incidents.cardiac): for every
combination of the two answers — yes, no, not sure, unanswered, and a value the rule does not know — the browser
opens the CPR panel exactly when the server records a suspected arrest. The banner is computed in the browser with no
round trip (issue 30), so the two must never disagree."""
import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from incidents.cardiac import is_suspected

MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "lib" / "cardiac.js"
MISSING = "__missing__"
VALUES = [True, False, "unsure", None, MISSING]

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def answers_for(conscious, breathing):
    return {k: v for k, v in (("conscious", conscious), ("breathing", breathing)) if v != MISSING}


def run_node(script: str):
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def test_the_browser_rule_is_the_server_rule_for_every_pair_of_answers():
    cases = [answers_for(c, b) for c, b in itertools.product(VALUES, VALUES)]
    script = f"""
        import {{ suspectedArrest }} from {json.dumps(MODULE.as_uri())};
        const cases = {json.dumps(cases)};
        console.log(JSON.stringify(cases.map((a) => suspectedArrest(a))));
    """
    browser = run_node(script)
    server = [is_suspected(a) for a in cases]
    assert browser == server
    # and the table itself: exactly the four pairs of "no"/"not sure" are an arrest
    assert sum(browser) == 4
    assert [a for a, s in zip(cases, browser) if s] == [
        {"conscious": False, "breathing": False}, {"conscious": False, "breathing": "unsure"},
        {"conscious": "unsure", "breathing": False}, {"conscious": "unsure", "breathing": "unsure"},
    ]


def test_the_two_questions_come_first_only_in_a_script_that_asks_both():
    from agencies.demo.categories import CATEGORIES

    medis = next(c for c in CATEGORIES if c["code"] == "medis")
    fire = next(c for c in CATEGORIES if c["code"] == "kebakaran")
    shuffled = [q for q in medis["question_script"] if q["key"] != "conscious"] + [
        next(q for q in medis["question_script"] if q["key"] == "conscious")]
    script = f"""
        import {{ asksCardiacQuestions, cardiacFirst }} from {json.dumps(MODULE.as_uri())};
        const medis = {json.dumps(shuffled)}, fire = {json.dumps(fire["question_script"])};
        console.log(JSON.stringify({{
          medis: asksCardiacQuestions(medis), fire: asksCardiacQuestions(fire),
          order: cardiacFirst(medis).map((q) => q.key), fireOrder: cardiacFirst(fire).map((q) => q.key),
        }}));
    """
    out = run_node(script)
    assert out["medis"] is True and out["fire"] is False
    assert out["order"][:2] == ["conscious", "breathing"] and len(out["order"]) == len(shuffled)
    assert out["fireOrder"] == [q["key"] for q in fire["question_script"]]
