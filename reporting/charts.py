"""Charts drawn on the server as SVG, for the PDF (no browser there): plain horizontal/vertical bars,
enough for a funnel, a volume by hour, interval percentiles and compliance against target.

Labels are measured in the font the PDF uses (DejaVu Sans, installed with WeasyPrint's fonts by
scripts/bootstrap.sh) so the label column is as wide as its longest label — never cut at the page's left
margin — and a label too long for half the chart ends in "…" (the tables beside the charts carry the full names).
A bar without data says so ("tanpa data") instead of a lone unit ("–%")."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

COLOURS = ("#1f6feb", "#d97706", "#059669", "#b91c1c")
FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# DejaVu Sans is wide: an em of 10 px averages ≈ 6 px a character; erring wide only widens the label column.
FALLBACK_EM = 0.64


@lru_cache(maxsize=8)
def _font(size: int):
    try:
        from PIL import ImageFont  # noqa: PLC0415 — Pillow (WeasyPrint's own dependency) only when a chart is drawn

        return ImageFont.truetype(str(FONT_FILE), size)
    except (ImportError, OSError):
        return None


def text_width(text: str, size: int = 10) -> float:
    """The width in px of `text` set in DejaVu Sans at `size` px, as the PDF will draw it."""
    font = _font(size)
    return font.getlength(text) if font is not None else len(text) * size * FALLBACK_EM


def fit(text: str, room: float, size: int = 10) -> str:
    """`text`, cut with "…" until it fits `room` px."""
    text = str(text)
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _num(v):
    return "–" if v is None else (f"{v:,.1f}" if isinstance(v, float) and not v.is_integer() else f"{int(v):,}").replace(",", ".")


def hbar_svg(title: str, rows: list[tuple[str, float | None]], *, width=520, unit="", target: float | None = None) -> str:
    """One bar per row (label, value); an optional vertical target line (compliance goals)."""
    bar_h, gap, top, pad = 16, 6, 26, 6
    no_data = _("tanpa data")
    longest = max([text_width(str(label)) for label, _v in rows] + [0])
    left = round(min(longest + pad + 2, width * 0.5))  # the label column: as wide as the longest label, at most half
    values = [f"{_num(v)}{unit}" for _l, v in rows if v is not None] + [no_data]
    room_right = max(text_width(v) for v in values) + 8
    height = top + len(rows) * (bar_h + gap) + 10
    peak = max([v or 0 for _l, v in rows] + [target or 0, 1])
    scale = max(width - left - room_right, 10) / peak
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="10">',
             f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = (value or 0) * scale
        parts.append(f'<text x="{left - pad}" y="{y + 12}" text-anchor="end">{escape(fit(label, left - pad - 2))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[0]}"/>')
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + 12}" fill="#666" font-style="italic">{escape(no_data)}</text>')
        else:
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 12}">{_num(value)}{escape(unit)}</text>')
    if target is not None:
        x = left + target * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 6}" stroke="#b91c1c" stroke-dasharray="3,2"/>')
    parts.append("</svg>")
    return "".join(parts)


def columns_svg(title: str, labels: list[str], series: list[tuple[str, list[float]]], *, width=520, height=190) -> str:
    """Grouped columns (e.g. calls received / answered by hour of day)."""
    top, bottom = 26, 22
    peak = max([max(vals or [0]) for _n, vals in series] + [1])
    left = max(30, round(text_width(_num(peak), 9) + 6))  # the scale's figure never runs into the plot
    plot_w, plot_h = width - left - 10, height - top - bottom
    slot = plot_w / max(len(labels), 1)
    bar_w = max(slot / (len(series) + 1), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="9">',
             f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
             f'<text x="0" y="{top + 8}">{_num(peak)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>']
    for s, (_name, vals) in enumerate(series):
        for i, v in enumerate(vals):
            h = plot_h * (v or 0) / peak
            x = left + i * slot + s * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}"/>')
    step = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        if i % step == 0:
            parts.append(f'<text x="{left + i * slot:.1f}" y="{height - 8}">{escape(str(label))}</text>')
    for s, (name, _vals) in enumerate(series):
        x = width - 150 + s * 75
        parts.append(f'<rect x="{x}" y="4" width="8" height="8" fill="{COLOURS[s % len(COLOURS)]}"/><text x="{x + 11}" y="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
