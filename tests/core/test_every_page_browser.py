"""Every page of every demo role, at desk (1600×1000) and phone (390×844) size, in one browser (issue 16, item 5).

Map tiles are blocked (their requests abort), so the pages must work on a LAN without internet. A page fails on
- any JavaScript error (an uncaught exception, or a console error other than a blocked tile),
- any request to a host other than this server and the configured tile server (a CDN, a font service …),
- any untranslated text in Indonesian mode: English words from a list, raw codes (`fire_suppression`,
  `assignment.accepted`), `undefined`/`NaN`/`null` and decimal points (`0.8 km`) in what the user sees (visible
  text, placeholders, titles).

Each role logs in through the login form and must land on its home. Its pages are the ones in PAGES it may open
(each probed first: a 403 is not that role's page), plus the admin's every model list for the administrator (at
desk size; at phone size the admin index and one incident stand for the lists, which share one layout). Pages
wider than a phone's screen are printed, not failed: the desk consoles are not made for phones.
Time: one browser, one context per role; about 100 page views.
With GUIDE_SCREENSHOTS=1 the pages named in GUIDE_SHOTS are saved (small JPEGs) to docs/guides/img/ for the
role guides (docs/guides/).
"""
import functools
import io
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.contrib.gis.geos import Point

from agencies.management.commands.load_regions import DATA_DIR, load_regions

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

PASSWORD = "demo112"
DESK = {"width": 1600, "height": 1000}
PHONE = {"width": 390, "height": 844}
GUIDE_DIR = Path(__file__).resolve().parents[2] / "docs" / "guides" / "img"

# Every browser page of the project; a role's pages are those of these it may open.
PAGES = ["/", "/console/call-taker/", "/console/dispatcher/", "/crew/", "/board/", "/laporan/", "/relawan/",
         "/relawan/koordinator/"]

NOT_FOUND = "/tidak-ada-halaman-ini/"
# Swagger UI is the integrators' API reference: its chrome and the schema's names are English everywhere. It is still
# opened (no JavaScript error, nothing from a CDN); only the language check is skipped.
ENGLISH_BY_DESIGN = {"/api/docs/"}

# username → (where the login lands, pages it must be able to open)
ROLES = {
    "call_taker_pky": ("/console/call-taker/", ["/console/call-taker/"]),
    "dispatcher_damkar_pky": ("/console/dispatcher/", ["/console/dispatcher/"]),
    "supervisor_pky": ("/board/", ["/board/", "/laporan/"]),
    "official_pky": ("/board/", ["/board/", "/laporan/"]),
    "volunteer_pky": ("/relawan/", ["/relawan/"]),
    "coordinator_pky": ("/relawan/", ["/relawan/", "/relawan/koordinator/"]),
    "crew_damkar_pky": ("/crew/", ["/crew/"]),  # only when the demo has crews (skipped otherwise)
    "admin": ("/admin/", ["/admin/", "/api/docs/"]),
}

# (username, path, viewport name) → image name, for docs/guides/
GUIDE_SHOTS = {
    ("call_taker_pky", "/console/call-taker/", "desk"): "call-taker-console",
    ("dispatcher_damkar_pky", "/console/dispatcher/", "desk"): "dispatcher-console",
    ("supervisor_pky", "/board/", "desk"): "supervisor-board",
    ("supervisor_pky", "/laporan/", "desk"): "supervisor-reports",
    ("official_pky", "/board/", "desk"): "official-board",
    ("volunteer_pky", "/relawan/", "phone"): "volunteer-phone",
    ("coordinator_pky", "/relawan/koordinator/", "desk"): "coordinator-page",
    ("crew_damkar_pky", "/crew/", "phone"): "crew-phone",
    ("admin", "/admin/", "desk"): "admin-index",
    ("admin", "INCIDENT", "desk"): "admin-incident",
}
# a shot that shows a part further down the page: scrolled to this element first
GUIDE_SCROLL = {"admin-incident": "#events-group"}


def _calltaker_slip_and_undo(page, shoot):
    """What the call-taker's guide shows of issue 23, and checks like every page: a name typed, a slip of Alt+M asks
    first, Enter closes and "Dibatalkan? Ctrl+Z" is offered, Ctrl+Z brings the call and the form back; then the call
    is closed again as ghost (asked, confirmed) so the next pages start without a call. Returns the texts seen."""
    texts = []
    page.keyboard.press("F2")
    page.wait_for_selector("#call-panel.active")
    page.focus("#f-name")
    page.keyboard.type("Budi Santoso")
    page.keyboard.press("Alt+m")
    page.wait_for_selector(".confirm-box")
    texts.append(page.evaluate(VISIBLE_TEXT))
    shoot("call-taker-confirm")
    page.keyboard.press("Enter")
    page.wait_for_selector("#undo-bar:not([hidden])")
    texts.append(page.evaluate(VISIBLE_TEXT))
    shoot("call-taker-undo")
    page.keyboard.press("Control+z")
    page.wait_for_selector("#call-panel.active")
    # (no wait_for_function: the page's Content-Security-Policy refuses the eval it uses)
    for _ in range(50):
        if page.input_value("#f-name") == "Budi Santoso":
            break
        page.wait_for_timeout(100)
    assert page.input_value("#f-name") == "Budi Santoso", "Ctrl+Z did not bring the form back"
    page.keyboard.press("Alt+g")
    page.wait_for_selector(".confirm-box")
    page.keyboard.press("Enter")
    page.wait_for_selector("#undo-bar:not([hidden])")
    return texts


# (username, path, viewport name) → what to do on that page after its checks (the screenshots it takes for the guides)
PAGE_ACTIONS = {("call_taker_pky", "/console/call-taker/", "desk"): _calltaker_slip_and_undo}

# Words that have no business on an Indonesian page (whole words, case-sensitive where the case matters).
ENGLISH = re.compile(r"\b(" + "|".join([
    "Loading", "loading", "Please", "please", "Submit", "Cancel", "Save", "Delete", "Search", "Accept", "Decline",
    "Close", "Add", "Edit", "Change", "Select", "Log out", "Log in", "Login", "Password", "Username",
    "Welcome", "Home", "Settings", "Unknown", "unknown", "Incidents?", "Agency", "Agencies", "Calls?", "Caller",
    "Priority", "Category", "Description", "Address", "Reason", "Volunteers?", "Reports?", "Available", "Busy",
    "Pending", "Accepted", "Declined", "Expired", "Resolved", "Closed", "Cancelled", "Offered", "en route",
    "on scene", "minutes?", "seconds?", "ago", "Today", "today", "Yesterday", "Show", "Hide", "Refresh", "Retry",
    "Connecting", "connecting", "connected", "disconnected", "Send", "Confirm", "Are you sure", "Error", "error",
    "Authentication", "Authorization", "Groups", "Users", "Recent actions", "Django", "Field", "required",
    "This field", "View", "History", "Nothing", "None", "Yes", "Time", "Date",
]) + r")\b")
RAW = [
    (re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"), "snake_case code"),
    (re.compile(r"\b(?:incident|assignment|unit|call|alert|callout)\.[a-z_]+\b"), "event kind"),
    (re.compile(r"\b(?:undefined|NaN|null|\[object Object\])\b"), "JavaScript leftovers"),
    # Indonesian writes 0,8 km; a point there is a number formatted without the page's language
    (re.compile(r"\b\d+\.\d+\s?(?:km|m|mnt|menit|detik)\b"), "decimal point"),
]
# Visible text that looks like a code but is data: the demo's user names (shown as "who did it").
ALLOWED_TOKENS = re.compile(r"^(?:call_taker\d?|dispatcher_\w+|supervisor|official|volunteer\d?|coordinator|crew_\w+|admin)"
                            r"(?:_(?:pky|smd|psr|kaltim))?$")

# What the user reads. Not checked: the admin's "kode" column and <code>/<kbd>, which show a code on purpose.
VISIBLE_TEXT = """() => {
  let text = document.body ? document.body.innerText : "";
  for (const el of document.querySelectorAll("td.field-code, th.field-code, code, kbd")) {
    if (el.innerText) text = text.split(el.innerText).join(" ");
  }
  const parts = [text];
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    for (const a of ["placeholder", "title", "aria-label"]) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
  }
  return parts.join("\\n");
}"""


def untranslated(text: str) -> list[str]:
    found = [f"English '{m.group(0)}'" for m in ENGLISH.finditer(text)]
    for pattern, what in RAW:
        found += [f"{what} '{m.group(0)}'" for m in pattern.finditer(text) if not ALLOWED_TOKENS.match(m.group(0))]
    return sorted(set(found))


DEMO_PROVINCES = ("62", "64")  # Central and East Kalimantan: every demo centre's regions


def _demo_regions_only(directory: Path) -> Path:
    """The Kemendagri files cut to the demo's provinces: the pages need those, and loading all 91,000 regions
    would be most of this test's time."""
    for name in ("provinces.csv", "regencies.csv", "districts.csv", "villages.csv"):
        lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (directory / name).write_text(lines[0] + "".join(l for l in lines[1:] if l.startswith(DEMO_PROVINCES)),
                                      encoding="utf-8")
    return directory


def _seed(regions_dir: Path):
    """The demo, plus work in flight so the consoles have rows: an offer waiting at Damkar, an incident Damkar
    accepted with a unit on the way, a volunteer call-out, alerts on the board and a resolved incident to close."""
    from agencies.demo import loader
    from agencies.models import User
    from incidents.services import incident_create, incident_route
    from incidents.services.assignments import assignment_accept
    from incidents.services.units import unit_dispatch

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "load_regions", functools.partial(load_regions, data_dir=regions_dir))
        call_command("load_demo", verbosity=0)
    call_taker = User.objects.get(username="call_taker_pky")
    damkar = User.objects.get(username="dispatcher_damkar_pky")
    made = []
    for category, lon, lat, text in (
        ("kebakaran", 113.921, -2.209, "Rumah terbakar di Jl. Tjilik Riwut km 2, asap tebal, dua orang di dalam"),
        ("kebakaran", 113.930, -2.200, "Gudang kayu terbakar dekat pasar"),
    ):
        incident, _ = incident_create(actor=call_taker, category=category, location=Point(lon, lat, srid=4326),
                                      caller_number="081234567890", description=text, address="Jl. Tjilik Riwut")
        made.append(incident)
        incident_route(incident_id=incident.pk, actor=call_taker)
    # and one the call-taker saved but never routed: the tray of their unrouted incidents (issue 23)
    incident_create(actor=call_taker, category="pohon_tumbang" if _has_category("pohon_tumbang") else "kebakaran",
                    location=Point(113.915, -2.215, srid=4326), caller_number="081298765432",
                    description="Pohon besar tumbang menutup jalan", address="Jl. G. Obos")
    accepted = made[0].assignments.get(agency=damkar.agency)
    assignment_accept(assignment_id=accepted.pk, actor=damkar)
    unit = damkar.agency.units.order_by("call_sign").first()
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[unit.pk], actor=damkar)
    # the supervisor's safety net (issue 23): a P1 nobody routed, alerted by the sweeper; an offer nobody acknowledged
    # (expired: an alert, the backup offered); a resolved incident the call-taker list and the board can close
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import Assignment, Incident
    from incidents.services import assignment_complete
    from incidents.tasks import sweep_ack_deadlines, sweep_unrouted

    orphan, _ = incident_create(actor=call_taker, category="kebakaran", location=Point(113.915, -2.215, srid=4326), priority=1,
                                caller_number="081298765432", description="Asap dari atap toko", address="Jl. Diponegoro 5")
    # as if logged 75 s ago (its P1 threshold is 60 s): what the sweeper would have raised by now
    Incident.objects.filter(pk=orphan.pk).update(unrouted_since=timezone.now() - timedelta(seconds=75),
                                                 unrouted_alert_due_at=timezone.now() - timedelta(seconds=15))
    sweep_unrouted()
    late, _ = incident_create(actor=call_taker, category="kebakaran", location=Point(113.925, -2.19, srid=4326), priority=2,
                              caller_number="081311112222", description="Gudang berasap", address="Jl. RTA Milono km 3")
    incident_route(incident_id=late.pk, actor=call_taker)
    Assignment.objects.filter(incident=late, status=Assignment.Status.OFFERED).update(ack_deadline=timezone.now())
    sweep_ack_deadlines()
    done, _ = incident_create(actor=call_taker, category="kebakaran", location=Point(113.905, -2.22, srid=4326), priority=4,
                              caller_number="081355556666", description="Sarang tawon di teras", address="Jl. Kinibalu 1")
    [offer] = incident_route(incident_id=done.pk, actor=call_taker, agency_ids=[damkar.agency_id])
    assignment_accept(assignment_id=offer.pk, actor=damkar)
    assignment_complete(assignment_id=offer.pk, actor=damkar, note="Sarang dipindahkan")
    try:
        from volunteers.models import VolunteerCommunity
        from volunteers.services.callouts import callout_create

        community = VolunteerCommunity.objects.get(users__username="volunteer_pky")
        callout_create(incident_id=made[0].pk, actor=call_taker, community=community.pk, needed=2)
    except Exception as exc:  # the pages still open without a call-out; say why there is none
        print(f"no volunteer call-out seeded: {exc!r}")
    return made[0]


def _has_category(code) -> bool:
    from incidents.models import IncidentCategory

    return IncidentCategory.objects.filter(code=code, is_active=True).exists()


def _admin_change_pages():
    """Change pages with maps: editable Leaflet widgets (their inline scripts need the admin's CSP nonce) and a
    unit's read-only last position."""
    from agencies.models import Agency
    from volunteers.models import VolunteerCommunity

    damkar = Agency.objects.get(short_name="Damkar PKY")
    return [f"/admin/agencies/agency/{damkar.pk}/change/",
            f"/admin/agencies/unit/{damkar.units.order_by('call_sign').first().pk}/change/",
            "/admin/agencies/region/62.71/change/",
            f"/admin/volunteers/volunteercommunity/{VolunteerCommunity.objects.order_by('pk').first().pk}/change/"]


class Watch:
    """What one page did wrong: JavaScript errors and requests to other hosts."""

    def __init__(self, page, base, tile_host):
        self.problems = []
        own = urlsplit(base).netloc

        def on_console(msg):
            if msg.type != "error":
                return
            source = (msg.location or {}).get("url", "")
            if tile_host and tile_host in source:
                return  # a blocked tile: expected on a LAN without internet
            self.problems.append(f"console error: {msg.text} ({source})")

        def on_request(request):
            host = urlsplit(request.url).netloc
            if request.url.startswith(("data:", "blob:")) or host in (own, tile_host):
                return
            self.problems.append(f"request to another host: {request.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.problems.append(f"JavaScript error: {exc}"))
        page.on("request", on_request)

    def take(self):
        problems, self.problems = self.problems, []
        return problems


def _shoot(page, name, viewport):
    from PIL import Image

    GUIDE_DIR.mkdir(parents=True, exist_ok=True)
    if name in GUIDE_SCROLL:
        page.locator(GUIDE_SCROLL[name]).evaluate("(n) => n.scrollIntoView({block: 'center'})")
    image = Image.open(io.BytesIO(page.screenshot(full_page=False)))
    if viewport == "desk":
        image = image.resize((1200, 750))  # small enough to commit, large enough to read
    image.convert("RGB").save(GUIDE_DIR / f"{name}.jpg", "JPEG", quality=72, optimize=True)


def _settle(page):
    page.wait_for_load_state("load")
    if page.locator("#live-state").count():
        try:
            page.wait_for_selector("#live-state.live", timeout=8000)
        except Exception:
            pass  # a page whose socket never goes live shows it; its own tests cover that
    page.wait_for_timeout(150)  # the first render after data arrives


def test_every_page_of_every_role_works_offline_in_indonesian(asgi_process_factory, chromium, tmp_path):
    from agencies.models import User

    started = time.monotonic()
    incident = _seed(_demo_regions_only(tmp_path))
    incident_page = f"/admin/incidents/incident/{incident.pk}/change/"
    # the admin's model lists share one layout: at phone size the index and an incident stand for them
    admin_on_phone = {"/admin/", incident_page}
    print(f"demo and work in flight: {time.monotonic() - started:.1f} s")
    base = asgi_process_factory(env={"CSP_ENABLED": "true"}).url
    tiles = (settings.LEAFLET_CONFIG.get("TILES") or [[None, ""]])[0][1]
    tile_host = urlsplit(str(tiles).replace("{s}", "a")).netloc
    shots = os.environ.get("GUIDE_SCREENSHOTS") == "1"
    failures, visited, notes = [], [], []

    for username, (home, must_open) in ROLES.items():
        if not User.objects.filter(username=username).exists():
            print(f"{username}: not in the demo, skipped")
            continue
        # one context per role (one login); the phone pass resizes the same page
        context = chromium.new_context(base_url=base, viewport=DESK, locale="id-ID")
        if tile_host:
            context.route(re.compile(rf"^https?://{re.escape(tile_host)}/"), lambda route: route.abort())
        page = context.new_page()
        watch = Watch(page, base, tile_host)
        page.goto("/login/")
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"], input[type="submit"]')
        page.wait_for_load_state("load")
        landed = urlsplit(page.url).path
        if landed != home:
            failures.append(f"{username}: landed on {landed}, not {home}")

        pages = [p for p in PAGES if context.request.get(p, max_redirects=0).status == 200]
        if username in ("call_taker_pky", "admin"):
            pages.append(NOT_FOUND)  # the 404 page, in the app's layout (once per kind of layout)
        if username == "admin":
            index = context.request.get("/admin/").text()
            pages += ["/admin/", "/api/docs/"]
            pages += sorted(set(re.findall(r'href="(/admin/[a-z_]+/[a-z_]+/)"', index)))
            pages += [incident_page, *_admin_change_pages()]
        missing = [p for p in must_open if p not in pages]
        if missing:
            failures.append(f"{username}: may not open {missing}")
        for size_name, viewport in (("desk", DESK), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            for path in dict.fromkeys(pages):
                if size_name == "phone" and path.startswith("/admin/") and path not in admin_on_phone:
                    continue
                started = time.monotonic()
                response = page.goto(path)
                _settle(page)
                if os.environ.get("PAGES_TIMING"):
                    print(f"{time.monotonic() - started:5.2f}s {username} {size_name} {path}")
                problems = watch.take()
                if path == NOT_FOUND:
                    # the browser logs the page's own 404 as a console error: that one is the point of this page
                    problems = [p for p in problems if "status of 404" not in p or f"{base}{path}" not in p]
                    if response.status != 404:
                        problems.append(f"status {response.status}, not 404")
                elif response.status != 200:
                    problems.append(f"status {response.status}")
                if path not in ENGLISH_BY_DESIGN:
                    problems += untranslated(page.evaluate(VISIBLE_TEXT))
                if size_name == "phone":
                    # desk consoles are not made for phones: a page wider than the screen is noted, not failed
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > PHONE["width"] + 1:
                        notes.append(f"{username} phone {path}: {width} px wide on a {PHONE['width']} px screen")
                visited.append(f"{username} {size_name} {path}")
                failures += [f"{username} {size_name} {path}: {p}" for p in problems]
                key = (username, "INCIDENT" if path == incident_page else path, size_name)
                if shots and key in GUIDE_SHOTS:
                    _shoot(page, GUIDE_SHOTS[key], size_name)
                if key in PAGE_ACTIONS:
                    shoot = (lambda name: _shoot(page, name, size_name)) if shots else (lambda name: None)
                    seen = PAGE_ACTIONS[key](page, shoot)
                    problems = watch.take() + [p for text in seen for p in untranslated(text)]
                    failures += [f"{username} {size_name} {path} (after its actions): {p}" for p in problems]
        page.wait_for_timeout(300)  # an error the last page raised late still counts
        failures += [f"{username} after {visited[-1]}: {p}" for p in watch.take()]
        context.close()

    print(f"{len(visited)} pages opened")
    print("\n".join(notes))
    assert visited, "no page was opened"
    assert failures == [], "\n".join(failures)


def test_the_language_check_catches_english_and_codes_but_not_user_names():
    # the check itself, without a browser: a suite whose check never fires would pass with the translations gone
    found = untranslated("Memuat… Loading · kemampuan: fire_suppression · assignment.accepted · undefined · "
                         "dicatat oleh call_taker_pky, dispatcher_damkar_pky · P2 Mendesak · 0.8 km · 1,2 km · 07.51.03")
    assert found == ["English 'Loading'", "JavaScript leftovers 'undefined'", "decimal point '0.8 km'",
                     "event kind 'assignment.accepted'", "snake_case code 'fire_suppression'"]
