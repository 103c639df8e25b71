"""The PDF's charts (issue 23): no label is cut at the left margin, none runs off the right, and a bar without data
says so instead of "–%"."""
import re
import xml.etree.ElementTree as ET

from PIL import ImageFont

from reporting import charts

SVG = "{http://www.w3.org/2000/svg}"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # the font the PDF sets the charts in

# The report's real interval and compliance names (reporting.models.Interval, reporting.targets).
LONG_ROWS = [
    ("Berdering → dijawab", 12),
    ("Kejadian dibuat → diteruskan pertama (pemrosesan)", 95),
    ("Dijawab → diteruskan pertama (NFPA 1221)", 140),
    ("Diteruskan → tiba di lokasi (respons)", None),
    ("Kejadian dibuat → ditutup", 1830.5),
]


def _texts(svg):
    root = ET.fromstring(svg)
    width = float(root.get("width"))
    out = []
    for node in root.iter(SVG + "text"):
        size = float(node.get("font-size") or root.get("font-size"))
        font = ImageFont.truetype(FONT, int(size))
        w = font.getlength(node.text or "")
        x = float(node.get("x"))
        left, right = (x - w, x) if node.get("text-anchor") == "end" else (x, x + w)
        out.append((node.text, left, right))
    return width, out


def test_bar_labels_stay_inside_the_chart_and_missing_data_says_so():
    for unit in (" s", "%"):
        svg = charts.hbar_svg("Interval p90 (detik)", LONG_ROWS, unit=unit)
        width, texts = _texts(svg)
        for text, left, right in texts:
            assert left >= 0, f"cut at the left margin: {text!r} starts at {left:.1f}px"
            assert right <= width, f"runs off the right: {text!r} ends at {right:.1f}px of {width}"
        shown = [t for t, _l, _r in texts]
        assert "–" + unit not in shown and "–%" not in svg
        assert "tanpa data" in shown
        # a label cut for room ends in "…"; short ones are whole
        assert "Berdering → dijawab" in shown and "Kejadian dibuat → ditutup" in shown
        assert all(t.endswith("…") or t in {r[0] for r in LONG_ROWS} or re.match(r"^[\d.,]+( s|%)?$|^tanpa data$|^Interval", t)
                   for t in shown), shown


def test_column_chart_scale_figure_does_not_run_into_the_plot():
    svg = charts.columns_svg("Panggilan per jam", [f"{h:02d}" for h in range(24)],
                             [("Masuk", [123456] + [0] * 23), ("Dijawab", [100000] + [0] * 23)])
    width, texts = _texts(svg)
    first_bar = min(float(r.get("x")) for r in ET.fromstring(svg).iter(SVG + "rect") if float(r.get("height")) > 0)
    scale = next((left, right) for text, left, right in texts if text == "123.456")
    assert scale[0] >= 0 and scale[1] <= first_bar
    assert all(left >= 0 and right <= width for _t, left, right in texts)
