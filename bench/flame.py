"""A CPU-time sampling profiler and flame-graph writer, for the in-process profiles of docs/perf/ (issue 27).

No dependency: SIGPROF fires every `interval` seconds of this process's *CPU* time (ITIMER_PROF: user + system; in practice
at most once per kernel tick, so read the samples as shares of `cpu_s`, the process_time the block took),
so time spent waiting for PostgreSQL or Redis is never sampled — the profile is what the Django process itself
burns (as `py-spy --idle` off would show it). Each sample is the Python stack of the main thread, folded as
"a;b;c" lines (Brendan Gregg's collapsed format); `write_svg` draws them as a self-contained SVG flame graph.

    with CpuSampler(interval=0.0005) as sampler:
        ...work...
    sampler.write_folded("x.folded"); write_svg(sampler.counts, "x.svg", title="...")
"""
import html
import os
import signal
import sys
import time
from collections import Counter


def _frame_label(code) -> str:
    path = code.co_filename
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        root = os.getcwd() + os.sep
        if path.startswith(root):
            path = path[len(root):]
    return f"{getattr(code, 'co_qualname', code.co_name)} ({path}:{code.co_firstlineno})"


class CpuSampler:
    def __init__(self, interval: float = 0.0005):
        self.interval = interval
        self.counts: Counter = Counter()
        self.samples = 0

    def _handler(self, signum, frame):
        stack = []
        while frame is not None:
            stack.append(_frame_label(frame.f_code))
            frame = frame.f_back
        stack.reverse()
        self.counts[";".join(stack)] += 1
        self.samples += 1

    def __enter__(self):
        self.cpu0 = time.process_time()
        self._old = signal.signal(signal.SIGPROF, self._handler)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._old)
        self.cpu_s = time.process_time() - self.cpu0
        return False

    def trimmed(self, marker: str) -> Counter:
        """The stacks from the first frame whose label contains `marker` down (drops the test runner's frames)."""
        out: Counter = Counter()
        for stack, n in self.counts.items():
            frames = stack.split(";")
            for i, label in enumerate(frames):
                if marker in label:
                    out[";".join(frames[i:])] += n
                    break
        return out

    def write_folded(self, path: str, counts: Counter | None = None):
        with open(path, "w") as fh:
            for stack, n in sorted((counts or self.counts).items()):
                fh.write(f"{stack} {n}\n")


def self_time(counts: Counter, top: int = 30) -> list[tuple[str, int]]:
    """Samples by the innermost frame (where the CPU actually was)."""
    leaf: Counter = Counter()
    for stack, n in counts.items():
        leaf[stack.rsplit(";", 1)[-1]] += n
    return leaf.most_common(top)


def inclusive(counts: Counter, needle: str) -> int:
    """Samples whose stack passes through a frame containing `needle` (each sample once)."""
    return sum(n for stack, n in counts.items() if needle in stack)


def _tree(counts: Counter) -> dict:
    root = {"name": "all", "value": 0, "children": {}}
    for stack, n in counts.items():
        node = root
        node["value"] += n
        for label in stack.split(";"):
            node = node["children"].setdefault(label, {"name": label, "value": 0, "children": {}})
            node["value"] += n
    return root


def _colour(name: str) -> str:
    h = sum(ord(c) for c in name)
    if "django/" in name or "rest_framework/" in name:
        return f"rgb({200 + h % 55},{120 + h % 60},{50 + h % 30})"
    if "psycopg" in name or "redis/" in name:
        return f"rgb({80 + h % 40},{150 + h % 60},{210 + h % 45})"
    return f"rgb({220 + h % 35},{80 + h % 80},{40 + h % 40})"


def write_svg(counts: Counter, path: str, *, title: str = "CPU flame graph", width: int = 1600, row: int = 16):
    """A static flame graph (root at the bottom); every box has a <title> with its samples and share."""
    root = _tree(counts)
    total = max(root["value"], 1)
    boxes, depth_max = [], 0

    def walk(node, x, depth):
        nonlocal depth_max
        depth_max = max(depth_max, depth)
        boxes.append((x, depth, node["value"], node["name"]))
        cx = x
        for child in sorted(node["children"].values(), key=lambda c: c["name"]):
            walk(child, cx, depth + 1)
            cx += child["value"]

    walk(root, 0, 0)
    height = (depth_max + 1) * row + 50
    scale = (width - 20) / total
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
        f'<rect width="100%" height="100%" fill="#fdfdf6"/>',
        f'<text x="10" y="20" font-size="14">{html.escape(title)} — {total} samples</text>',
    ]
    for x, depth, value, name in boxes:
        w = value * scale
        if w < 0.3:
            continue
        y = height - 10 - (depth + 1) * row
        label = f"{name} — {value} samples, {100 * value / total:.1f} %"
        out.append(f'<g><title>{html.escape(label)}</title><rect x="{10 + x * scale:.1f}" y="{y}" width="{w:.1f}" '
                   f'height="{row - 1}" fill="{_colour(name)}" rx="1"/>')
        chars = int(w / 6.6)
        if chars >= 4:
            text = name if len(name) <= chars else name[: chars - 1] + "…"
            out.append(f'<text x="{12 + x * scale:.1f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(out))


def read_folded(path: str) -> Counter:
    counts: Counter = Counter()
    with open(path) as fh:
        for line in fh:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            counts[stack] += int(n)
    return counts


def print_tree(counts: Counter, *, min_share: float = 1.0, max_depth: int = 60):
    """Top-down text tree of the inclusive shares (children at least `min_share` % of all samples)."""
    root = _tree(counts)
    total = max(root["value"], 1)

    def walk(node, depth):
        for child in sorted(node["children"].values(), key=lambda c: -c["value"]):
            share = 100 * child["value"] / total
            if share < min_share or depth > max_depth:
                continue
            print(f"{share:5.1f} % {'  ' * depth}{child['name']}")
            walk(child, depth + 1)

    walk(root, 0)


if __name__ == "__main__":
    # python bench/flame.py x.folded x.svg [title]   — draw;   python bench/flame.py x.folded --tree [min %]
    folded = read_folded(sys.argv[1])
    if sys.argv[2] == "--tree":
        print_tree(folded, min_share=float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
    else:
        write_svg(folded, sys.argv[2], title=sys.argv[3] if len(sys.argv) > 3 else sys.argv[1])
