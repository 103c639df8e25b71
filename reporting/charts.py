"""Charts drawn on the server as SVG, for the PDF (no browser there): plain horizontal/vertical bars,
enough for a funnel, a volume by hour, interval percentiles and compliance against target."""
from __future__ import annotations

from xml.sax.saxutils import escape

COLOURS = ("#1f6feb", "#d97706", "#059669", "#b91c1c")


def _num(v):
    return "–" if v is None else (f"{v:,.1f}" if isinstance(v, float) and not v.is_integer() else f"{int(v):,}").replace(",", ".")


def hbar_svg(title: str, rows: list[tuple[str, float | None]], *, width=520, unit="", target: float | None = None) -> str:
    """One bar per row (label, value); an optional vertical target line (compliance goals)."""
    bar_h, gap, left, top = 16, 6, 190, 26
    height = top + len(rows) * (bar_h + gap) + 10
    peak = max([v or 0 for _l, v in rows] + [target or 0, 1])
    scale = (width - left - 70) / peak
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="10">',
             f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = (value or 0) * scale
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{escape(str(label))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[0]}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 12}">{_num(value)}{escape(unit)}</text>')
    if target is not None:
        x = left + target * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 6}" stroke="#b91c1c" stroke-dasharray="3,2"/>')
    parts.append("</svg>")
    return "".join(parts)


def columns_svg(title: str, labels: list[str], series: list[tuple[str, list[float]]], *, width=520, height=190) -> str:
    """Grouped columns (e.g. calls received / answered by hour of day)."""
    left, top, bottom = 30, 26, 22
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max([max(vals or [0]) for _n, vals in series] + [1])
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
