"""The front-end toolkit's shape (issue 10): shared helpers live in static/js/lib as ES modules, no screen
defines its own `api`/`csrf`/`el`, and no script of ours grows past 500 lines (vendored libraries excepted)."""
import re
from pathlib import Path

JS = Path(__file__).resolve().parents[2] / "static" / "js"
OWN_HELPER = re.compile(r"^\s*(?:export\s+)?(?:async\s+)?(?:function\s+(api|csrf|el)\s*\(|(?:const|let|var)\s+(api|csrf|el)\s*=)", re.M)


def _ours():
    return [p for p in JS.rglob("*.js") if "vendor" not in p.parts]


def test_the_shared_helpers_are_modules_in_lib():
    for name in ("api.js", "dom.js", "time.js", "i18n.js", "live.js"):
        source = (JS / "lib" / name).read_text(encoding="utf-8")
        assert "export " in source, name


def test_no_screen_defines_its_own_api_csrf_or_el():
    offenders = [f"{p.relative_to(JS)}: {m.group(0).strip()}" for p in _ours() if p.parent.name != "lib"
                 for m in OWN_HELPER.finditer(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_script_is_over_500_lines():
    long = {str(p.relative_to(JS)): n for p in _ours() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}
