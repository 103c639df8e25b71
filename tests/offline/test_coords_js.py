"""The browser's coordinate parser (static/js/lib/coords.js, used while the server is away) reads every text as the
server's (incidents/coords.py) does: the same point, the same precision, the same refusals — run in Node."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from incidents.coords import CoordinateError, looks_like_coordinates, parse_coordinates

JS = Path(__file__).resolve().parents[2] / "static" / "js" / "lib" / "coords.js"
TEXTS = [
    "-2.2096, 113.9213", "-2.2096 113.9213", "-2.2096;113.9213", "113.9213, -2.2096", "-2,2096 113,9213",
    "2°12'34.5\"S 113°55'16.7\"E", "2° 12′ 34.5″ S, 113° 55′ 16.7″ E", "S 2°12'34.5\" E 113°55'16.7\"",
    "113°55'16.7\"E 2°12'34.5\"S", "2°12'34.5\" LS 113°55'16.7\" BT", "0°30'8\"LU 117°9'13\"BT",
    "-2°12'34.5\" 113°55'16.7\"", "2°12.575'S 113°55.278'E", "2 12 34.5 S 113 55 16.7 E", "2.2096 S 113.9213 E",
    "2.2096s 113.9213e", "-2.2, 113.9", "−2.21 113.92", "0.5 N 117 E", "-2 113",
    # refused
    "", "-2.2096", "1 2 3", "95.5, 200", "2°12'S 3°4'N", "2°75'S 113°55'E", "-2°12'S 113°55'E", "jalan 5, rt 3", "1, 2, 3",
    "2°°12 113", "S S 2 113", "2 S", "S",
]
LOOKS = ["-2.2096, 113.9213", "2°12'34.5\"S 113°55'16.7\"E", "Pahandut", "Jl. Yos Sudarso 12", "12", "-2,2 113,9", "RT 5 / RW 3"]

RUNNER = """
globalThis.window = {};
const m = await import(process.argv[1]);
const texts = JSON.parse(process.argv[2]), looks = JSON.parse(process.argv[3]);
const parsed = texts.map((text) => {
  try { const c = m.parseCoordinates(text); return [c.lat, c.lon, c.precision_m, c.format]; }
  catch (e) { if (!(e instanceof m.CoordinateError) || !e.message) throw e; return null; }
});
console.log(JSON.stringify({ parsed, looks: looks.map((x) => m.looksLikeCoordinates(x)) }));
"""


def _python(text):
    try:
        c = parse_coordinates(text)
    except CoordinateError:
        return None
    return [c.lat, c.lon, c.precision_m, c.format]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_browser_parses_coordinates_as_the_server_does():
    out = subprocess.run(
        ["node", "--input-type=module", "-e", RUNNER, JS.as_uri(), json.dumps(TEXTS), json.dumps(LOOKS)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    result = json.loads(out.stdout)
    for text, js in zip(TEXTS, result["parsed"], strict=True):
        py = _python(text)
        if py is None:
            assert js is None, (text, js)
        else:
            assert js is not None, text
            assert js[0] == pytest.approx(py[0], abs=1e-7) and js[1] == pytest.approx(py[1], abs=1e-7), (text, js, py)
            assert js[2] == pytest.approx(py[2], abs=0.05) and js[3] == py[3], (text, js, py)
    assert result["looks"] == [looks_like_coordinates(x) for x in LOOKS]
