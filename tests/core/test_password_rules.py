"""Weak passwords (issue 28, item 6): volunteer self sign-up and the admin accepted `password` and `12345678`.
Django's CommonPasswordValidator and NumericPasswordValidator now run wherever a password is chosen, and a staff
account (every role but a volunteer) needs 10 characters. The demo loader sets `demo112` without validators
(make_password, like set_password), so the demo logins keep working."""
import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from agencies.models import User
from tests import factories as f
from volunteers.models import Volunteer
from volunteers.services import member_invite_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup(centre):
    community = f.CommunityFactory(command_centre=centre, name="SAR uji")
    supervisor = f.supervisor(centre, username="spv_pw")

    def post(password, username="rina_relawan"):
        _invite, token = member_invite_create(community_id=community.pk, actor=supervisor)
        return Client().post(f"/relawan/daftar/{token}/", {"name": "Rina", "phone": "0812 5555 6666", "username": username,
                                                           "password": password, "skills": ["first_aid"]})

    return post


@pytest.mark.parametrize("password", ["password", "12345678", "qwertyuiop", "0812345678901"])
def test_volunteer_signup_refuses_common_and_numeric_passwords(signup, password):
    response = signup(password)
    assert response.status_code == 400
    assert not Volunteer.objects.exists() and not User.objects.filter(username="rina_relawan").exists()


def test_volunteer_signup_keeps_django_s_eight_characters(signup):
    assert signup("Siaga#26").status_code == 302  # 8 characters, not common, not numeric: a volunteer's phone keyboard
    assert Volunteer.objects.filter(user__username="rina_relawan").exists()


@pytest.mark.parametrize("role", [r for r in User.Role.values if r != User.Role.VOLUNTEER])
def test_staff_need_ten_characters(role):
    user = User(username="petugas", role=role)
    with pytest.raises(ValidationError) as exc:
        validate_password("Siaga#26x", user=user)  # 9
    assert "password_too_short" in [e.code for e in exc.value.error_list]
    validate_password("Siaga#2026", user=user)  # 10


@pytest.mark.parametrize("password", ["password", "12345678", "1234567890123"])
def test_the_admin_refuses_weak_passwords(admin_client, password):
    response = admin_client.post("/admin/agencies/user/add/", {
        "username": "ct_baru", "password1": password, "password2": password, "role": User.Role.CALL_TAKER, "usable_password": "true",
    })
    assert response.status_code == 200 and not User.objects.filter(username="ct_baru").exists()
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()


def test_the_demo_password_still_works_for_demo_logins(settings):
    settings.DEMO_PASSWORD = "demo112"
    with pytest.raises(ValidationError):
        validate_password("demo112", user=User(username="call_taker_pky", role=User.Role.CALL_TAKER))
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    assert authenticate(username="call_taker_pky", password="demo112") is not None
    assert authenticate(username="volunteer_pky", password="demo112") is not None
