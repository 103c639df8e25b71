"""The consoles work under the production Content-Security-Policy: no inline script, nothing from elsewhere
(issue 14). A violation is reported by the browser as a `securitypolicyviolation` event, collected here."""
import pytest

from tests import factories as f
from tests.support import login, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def csp_server(asgi_process_factory):
    return asgi_process_factory(env={"CSP_ENABLED": "true"}).url


def _open(browser, base, user, path, **options):
    context, page = login(browser, base, user.username, **options)
    page.add_init_script(COLLECT)
    response = page.goto(path)
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    return context, page


def test_the_consoles_run_under_the_content_security_policy(csp_server, chromium, centre, fire_category, damkar, call_taker, damkar_dispatcher):
    supervisor = f.supervisor(centre, username="spv_csp")
    crew = f.crew(f.UnitFactory(agency=damkar, call_sign="PKY-CSP-1"), username="kru_csp")
    pages = []
    try:
        for user, path in ((call_taker, "/console/call-taker/"), (damkar_dispatcher, "/console/dispatcher/"), (crew, "/crew/")):
            context, page = _open(chromium, csp_server, user, path)
            wait_live(page)  # the modules ran and the live socket connected (connect-src)
            pages.append((path, page))
        context, home = _open(chromium, csp_server, supervisor, "/")
        pages.append(("/", home))
        # the language switch (formerly an inline onchange) still submits, from a module
        home.select_option('select[name="language"]', "en")
        home.wait_for_function("document.documentElement.lang === 'en'", timeout=10000)
        home.evaluate(COLLECT.replace("window.__csp = [];", "window.__csp = window.__csp || [];"))
        for path, page in pages:
            violations = page.evaluate("window.__csp || []")
            assert violations == [], f"{path}: {violations}"
    finally:
        for context in chromium.contexts:
            context.close()
