"""English is really available: catalogs complete, compiled, and used by models, services, pages and JS.

The product is written in Bahasa Indonesia (the msgids); locale/en holds the English. When a test here
fails because a string has no translation, run (from the repository root):

    .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests
    .venv/bin/python manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests

then fill in every empty msgstr (and check/remove every `#, fuzzy`) in locale/en/LC_MESSAGES/*.po.
"""
import ast
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from agencies.management.commands.makemessages import Command as MakeMessages
from agencies.models import AgencyType, Unit
from dispatch.errors import ApplicationError
from incidents.coords import CoordinateError, parse_coordinates
from incidents.models import Call, Incident

LOCALE = Path(settings.BASE_DIR) / "locale"
DOMAINS = ("django", "djangojs")
# The same exclusions as the documented makemessages command.
IGNORE = [".venv", "staticfiles", "bench", "tests", "node_modules", "test-artifacts"]
HOW_TO_FIX = (
    "run `manage.py makemessages -l en` and `manage.py makemessages -d djangojs -l en` "
    "(with --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests), then translate every "
    "empty or fuzzy entry in locale/en/LC_MESSAGES/*.po"
)


@contextmanager
def _cwd(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    """.mo files are not in git: compile them on a fresh clone (or when a .po is newer)."""
    stale = [
        po for po in LOCALE.glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        assert shutil.which("msgfmt"), "GNU gettext (msgfmt) is needed to compile locale/: apt-get install gettext"
        with _cwd(settings.BASE_DIR):
            call_command("compilemessages", locale=["en"], ignore_patterns=IGNORE, verbosity=0)
        # Catalogs read before compiling (e.g. by earlier tests) are cached empty: forget them.
        from django.utils.translation.reloader import translation_file_changed

        translation_file_changed(sender=None, file_path=Path("django.mo"))
    yield


# --- a small .po reader (no third-party dependency) ------------------------------------------------

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


def read_po(path):
    """Entries as dicts: msgid, msgid_plural, msgctxt, msgstr / msgstr[n], flags (set). Skips obsolete (#~)."""
    entries, cur, last, seen_str = [], None, None, False

    def flush():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        starts_entry = line.startswith("#") or line.startswith("msgctxt ") or line.startswith("msgid ")
        if cur is None or (seen_str and starts_entry):
            flush()
            cur, last, seen_str = {"flags": set()}, None, False
        if line.startswith("#,"):
            cur["flags"].update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith("#"):
            continue
        elif m := _KEYWORD.match(line):
            last = m.group(1)
            cur[last] = ast.literal_eval(m.group(2))
            seen_str = seen_str or last.startswith("msgstr")
        elif line.startswith('"') and last:
            cur[last] += ast.literal_eval(line)
        else:
            raise ValueError(f"{path}: cannot read line {raw!r}")
    flush()
    return entries


def untranslated(entries):
    """msgids (not the header) with an empty msgstr (any plural form) or still marked fuzzy."""
    bad = []
    for e in entries:
        if e["msgid"] == "":
            continue
        strings = [v for k, v in e.items() if k.startswith("msgstr")]
        if not strings or any(not s.strip() for s in strings) or "fuzzy" in e["flags"]:
            bad.append(e["msgid"])
    return bad


_PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdfi]|%[sdif]|\{\w*\}")


# --- the catalogs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("domain", DOMAINS)
def test_every_msgid_has_a_translation(domain):
    po = LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po"
    assert po.exists(), f"{po} is missing: {HOW_TO_FIX}"
    entries = read_po(po)
    assert len(entries) > 50, f"{po} looks empty ({len(entries)} entries): {HOW_TO_FIX}"
    bad = untranslated(entries)
    assert not bad, f"{len(bad)} untranslated or fuzzy strings in {po.name} (e.g. {bad[:5]}): {HOW_TO_FIX}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_every_placeholder(domain):
    entries = read_po(LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po")
    wrong = []
    for e in entries:
        if not e["msgid"]:
            continue
        for key, text in e.items():
            if key.startswith("msgstr") and sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(e["msgid"])):
                wrong.append((e["msgid"], text))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong[:5]}"
    # Not a copy of the source: a handful of proper names may stay the same, the bulk must not.
    same = [e["msgid"] for e in entries if e["msgid"] and e.get("msgstr") == e["msgid"]]
    assert len(same) < 0.05 * len(entries), f"too many msgstr identical to the Indonesian msgid: {same[:10]}"


class _ExtractInto(MakeMessages):
    """The project's makemessages (with the JS alias keywords), writing into a scratch locale dir."""

    def __init__(self, target, **kwargs):
        super().__init__(**kwargs)
        self.target = str(target)

    def find_files(self, root):
        files = super().find_files(root)
        self.locale_paths = [self.target]
        for f in files:
            f.locale_dir = self.target
        return files


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_covers_every_string_in_the_source(domain, tmp_path):
    """A string added in code/templates/JS without running makemessages + translating fails here."""
    assert shutil.which("xgettext"), "GNU gettext (xgettext) is needed: apt-get install gettext"
    scratch = tmp_path / "locale"
    (scratch / "en" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po", scratch / "en" / "LC_MESSAGES" / f"{domain}.po")
    with _cwd(settings.BASE_DIR):
        call_command(_ExtractInto(scratch), locale=["en"], domain=domain, ignore_patterns=IGNORE, verbosity=0)
    fresh = read_po(scratch / "en" / "LC_MESSAGES" / f"{domain}.po")
    committed = {e["msgid"] for e in read_po(LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po")}
    missing = [e["msgid"] for e in fresh if e["msgid"] and e["msgid"] not in committed]
    bad = sorted(set(untranslated(fresh)) | set(missing))
    assert not bad, f"{len(bad)} strings in the source have no English translation ({domain}), e.g. {bad[:8]}: {HOW_TO_FIX}"
    if domain == "djangojs":
        # The consoles' aliases t()/gt() and live.js are really extracted.
        ids = {e["msgid"] for e in fresh}
        assert {"Terima", "Gagal mengubah status.", "terputus", "Koordinat"} <= ids


# --- the runtime uses them -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("label", "en", "id_"),
    [
        (lambda: Incident.Status.ROUTED.label, "Routed", "Diteruskan"),
        (lambda: Unit.Status.AVAILABLE.label, "Available", "Siaga"),
        (lambda: AgencyType.FIRE.label, "Fire Service (Damkar)", "Pemadam kebakaran (Damkar)"),
        (lambda: Call.Disposition.PRANK.label, "Prank", "Iseng"),
        (lambda: str(Incident._meta.verbose_name), "incident", "kejadian"),
    ],
)
def test_model_labels_follow_the_active_language(label, en, id_):
    with translation.override("en"):
        assert str(label()) == en
    with translation.override("id"):
        assert str(label()) == id_


def test_pure_service_error_in_english_and_indonesian():
    for lang, expected in (("en", "Latitude must be between -90 and 90."), ("id", "Lintang harus antara -90 dan 90.")):
        with translation.override(lang), pytest.raises(CoordinateError) as exc:
            parse_coordinates("-95, 113")
        assert str(exc.value) == expected


@pytest.mark.django_db
def test_incident_service_error_in_english_and_indonesian(make_incident):
    for lang, expected in (("en", "Priority must be 1 to 4."), ("id", "Prioritas harus 1 sampai 4.")):
        with translation.override(lang), pytest.raises(ApplicationError) as exc:
            make_incident(priority=9)
        assert str(exc.value.message) == expected
        assert [str(m) for m in exc.value.fields["priority"]] == [expected]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_login_page_in_english_by_query_or_cookie_and_indonesian_by_default(client):
    default = client.get("/login/").content.decode()
    assert "Masuk ke Sistem Dispatch 112" in default and 'lang="id"' in default

    by_query = client.get("/login/?lang=en").content.decode()
    assert "Log in to the 112 Dispatch System" in by_query
    assert "Username" in by_query and "Password" in by_query and 'lang="en"' in by_query
    assert "Masuk ke Sistem" not in by_query

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    by_cookie = client.get("/login/").content.decode()
    assert "Log in to the 112 Dispatch System" in by_cookie


@pytest.mark.django_db
def test_language_switch_sets_the_cookie(client):
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert resp.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in to the 112 Dispatch System" in client.get("/login/").content.decode()


@pytest.mark.django_db
def test_javascript_catalog_serves_console_strings_in_english(client):
    en = client.get("/jsi18n/?lang=en").content.decode()
    assert "DISCONNECTED \\u2014 data may be out of date" in en or "DISCONNECTED — data may be out of date" in en
    assert '"Terima": "Accept"' in en
    # Indonesian is the source language: its catalog has nothing to replace.
    assert '"Terima"' not in client.get("/jsi18n/?lang=id").content.decode()


@pytest.mark.django_db
def test_api_error_message_follows_accept_language(client):
    body = {"username": "nobody", "password": "wrong"}
    en = client.post("/api/v1/auth/token/", body, content_type="application/json", headers={"accept-language": "en"})
    assert en.status_code == 400
    assert en.json()["error"]["message"] == "Incorrect username or password."
    idn = client.post("/api/v1/auth/token/", body, content_type="application/json", headers={"accept-language": "id"})
    assert idn.json()["error"]["message"] == "Nama pengguna atau kata sandi salah."


def test_one_indonesian_word_two_english_meanings_are_kept_apart():
    # "Diterima" is an agency's "accepted" and a gateway's "delivered": a message context separates them.
    from django.utils import translation

    from incidents.models import Assignment, Notification

    with translation.override("en"):
        assert (str(Assignment.Status.ACCEPTED.label), str(Notification.Status.DELIVERED.label)) == ("Accepted", "Delivered")
    with translation.override("id"):
        assert str(Notification.Status.DELIVERED.label) == "Diterima"
