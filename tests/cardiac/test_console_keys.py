"""The call-taker console's Alt keys (static/js/calltaker/main.js ALT_KEYS, list.js's Alt+U): each letter does one
thing, and each is in the shortcut overlay (templates/consoles/calltaker.html) — Alt+R, the cardiac arrest's key
(issue 30), included."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "static" / "js" / "calltaker" / "main.js"
LIST = ROOT / "static" / "js" / "calltaker" / "list.js"
TEMPLATE = ROOT / "templates" / "consoles" / "calltaker.html"


def alt_keys():
    main = MAIN.read_text()
    block = main[main.index("const ALT_KEYS = {"):]
    block = block[:block.index("};")]
    keys = re.findall(r"\bKey([A-Z])\s*:", block)
    keys += re.findall(r'e\.code === "Key([A-Z])"', LIST.read_text())
    return keys


def test_every_alt_key_does_one_thing_and_is_in_the_shortcut_overlay():
    keys = alt_keys()
    assert "R" in keys
    assert len(keys) == len(set(keys)), sorted(keys)
    overlay = TEMPLATE.read_text()
    overlay = overlay[overlay.index('id="shortcut-help"'):]
    missing = [k for k in keys if f"<kbd>Alt+{k}</kbd>" not in overlay]
    assert not missing, missing

