"""Every role lands somewhere real after login: its console, or a home page that says what it can do today."""
import pytest
from django.urls import reverse

from agencies.models import User
from dispatch.views import ROLE_HOME
from tests import factories as f


def test_every_role_home_resolves():
    # A name that does not resolve is a bug to see at once, not a silent fallback to the plain home page.
    for name in ROLE_HOME.values():
        assert reverse(name).startswith("/")


def _volunteer_member():
    """A volunteer account with its membership (the phone page needs one)."""
    from volunteers.models import Volunteer

    community = f.CommunityFactory()
    user = f.UserFactory(role=User.Role.VOLUNTEER, command_centre=None, community=community)
    Volunteer.objects.create(community=community, user=user, name="Relawan Uji", phone="081200000001")
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_user, target",
    [
        (lambda: f.call_taker(), "console-call-taker"),
        (lambda: f.dispatcher(f.AgencyFactory()), "console-dispatcher"),
        (lambda: _volunteer_member(), "volunteer-phone"),
        (lambda: f.supervisor(), "board"),
        (lambda: f.UserFactory(role=User.Role.OFFICIAL), "board"),
    ],
    ids=["call_taker", "dispatcher", "volunteer", "supervisor", "official"],
)
def test_roles_with_a_console_go_straight_to_it(client, make_user, target):
    client.force_login(make_user())
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(target)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_a_staff_administrator_lands_on_the_admin_site(client):
    client.force_login(f.UserFactory(role=User.Role.ADMIN, command_centre=None, is_staff=True, is_superuser=True))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_user, role, must_show",
    [
        # every other role has its own screen; an administrator without staff access cannot use the admin site
        (lambda: f.UserFactory(role=User.Role.ADMIN, command_centre=None, is_staff=False), "admin", ["Dokumentasi API"]),
    ],
    ids=["admin"],
)
def test_roles_without_a_screen_yet_see_what_they_can_do_today(client, make_user, role, must_show):
    client.force_login(make_user())
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-role="{role}"' in html
    for text in must_show:
        assert text in html
    # the links it offers work for that role
    for name in ("console-call-taker", "console-dispatcher"):
        if reverse(name) in html:
            assert client.get(reverse(name)).status_code == 200


def test_favicon_ico_leads_to_the_sites_icon(client):
    # browsers ask /favicon.ico of any page that names no icon (the admin's); a 404 there is a console error on every page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith(".svg")
    assert "favicon" in response["Location"]
