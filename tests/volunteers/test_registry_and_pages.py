"""Registry and pages: one-time invites (expired and reused links refused), leaving, suspension, approval,
availability; the phone page and the coordinator page render for their users only; the volunteer's home."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from dispatch.errors import Conflict, PermissionDenied
from tests import factories as f
from tests.volunteers.conftest import api_for, error_of
from volunteers.models import MemberInvite, Volunteer
from volunteers.services import (
    callout_create,
    community_approve,
    invite_redeem,
    member_invite_create,
    member_leave,
    member_set_availability,
    member_suspend,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(community, make_member):
    lead = make_member("Koordinator", metres=100)
    community.coordinator = lead.user
    community.save(update_fields=["coordinator"])
    return lead.user


def signup(client, url, **values):
    data = {"name": "Rina", "phone": "0812 5555 6666", "username": "rina_relawan", "password": "Relawan!2026x", "skills": ["first_aid", "boat"]}
    data.update(values)
    return client.post(url, data)


def test_invite_link_signs_up_once_and_logs_in(client, community, coordinator):
    response = api_for(coordinator).post(f"/api/v1/communities/{community.pk}/invites/", {"name": "Rina"}, format="json")
    assert response.status_code == 201
    url = response.json()["url"]
    path = url[url.index("/relawan/"):]
    assert client.get(path).status_code == 200 and "Rina" in client.get(path).content.decode()
    done = signup(client, path)
    assert done.status_code == 302 and done["Location"] == reverse("volunteer-phone")
    member = Volunteer.objects.get(user__username="rina_relawan")
    assert member.community == community and member.skills == ["boat", "first_aid"] and member.user.role == User.Role.VOLUNTEER
    assert client.get(reverse("volunteer-phone")).status_code == 200  # logged in as the new member
    # the link is spent: refused, nothing more created
    client.logout()
    again = signup(client, path, username="orang_lain")
    assert again.status_code == 410 and 'data-refused="invite_used"' in again.content.decode()
    assert not User.objects.filter(username="orang_lain").exists()


def test_expired_and_unknown_links_refused(client, community, coordinator):
    invite, token = member_invite_create(community_id=community.pk, actor=coordinator, now=timezone.now() - timedelta(days=8))
    path = reverse("volunteer-signup", args=[token])
    assert client.get(path).status_code == 410
    assert signup(client, path).status_code == 410
    with pytest.raises(Conflict) as err:
        invite_redeem(token=token, username="x_rel", password="Relawan!2026x", name="X", phone="081200001111")
    assert err.value.code == "invite_expired"
    assert client.get(reverse("volunteer-signup", args=["tidak-ada"])).status_code == 404
    assert not Volunteer.objects.filter(name="Rina").exists() and MemberInvite.objects.get(pk=invite.pk).used_at is None


def test_bad_signup_input_keeps_the_link_usable(client, community, coordinator):
    _invite, token = member_invite_create(community_id=community.pk, actor=coordinator)
    path = reverse("volunteer-signup", args=[token])
    assert signup(client, path, phone="telepon").status_code == 400
    assert signup(client, path, skills=["terbang"]).status_code == 400
    assert signup(client, path).status_code == 302  # still usable after the refusals


def test_only_coordinator_or_supervisor_invites_and_suspends(community, coordinator, members, centre):
    plain = members["ani"].user
    error_of(api_for(plain).post(f"/api/v1/communities/{community.pk}/invites/", {}, format="json"), 403)
    error_of(api_for(plain).post(f"/api/v1/members/{members['budi'].pk}/suspend/", {}, format="json"), 403)
    assert api_for(coordinator).post(f"/api/v1/members/{members['budi'].pk}/suspend/", {}, format="json").json()["status"] == "suspended"
    supervisor = f.supervisor(centre, username="spv_vol")
    member_suspend(member_id=members["budi"].pk, actor=supervisor, suspended=False)
    assert Volunteer.objects.get(pk=members["budi"].pk).status == Volunteer.Status.ACTIVE
    other_centre_ct = f.call_taker(f.samarinda_centre(), username="ct_smd2")
    error_of(api_for(other_centre_ct).post(f"/api/v1/members/{members['budi'].pk}/suspend/", {}, format="json"), 404)


def test_suspended_left_and_off_members_are_never_alerted(make_incident, call_taker, members, coordinator):
    member_suspend(member_id=members["ani"].pk, actor=coordinator)
    member_leave(actor=members["budi"].user)
    member_set_availability(actor=members["citra"].user, availability=Volunteer.Availability.OFF)
    callout = callout_create(incident_id=make_incident().pk, actor=call_taker, community=members["ani"].community_id, needed=1)
    names = set(callout.responses.values_list("volunteer__name", flat=True))
    assert names == {"Dodi", "Koordinator"}
    with pytest.raises(PermissionDenied):
        member_set_availability(actor=members["budi"].user, availability="available")  # left: no longer a member


def test_approval_by_supervisor_only(centre):
    pending = f.CommunityFactory(command_centre=centre, name="Komunitas Baru")
    error_of(api_for(f.call_taker(centre, username="ct_x")).post(f"/api/v1/communities/{pending.pk}/approve/"), 403)
    spv = f.supervisor(centre, username="spv_x")
    assert api_for(spv).post(f"/api/v1/communities/{pending.pk}/approve/").status_code == 200
    pending.refresh_from_db()
    assert pending.approved_by == spv
    community_approve(community_id=pending.pk, actor=spv)  # twice: no-op
    other = f.supervisor(f.samarinda_centre(), username="spv_smd")
    error_of(api_for(other).post(f"/api/v1/communities/{pending.pk}/approve/"), 404)


def test_availability_and_position_bad_input(members):
    ani = api_for(members["ani"].user)
    error_of(ani.post("/api/v1/volunteers/me/availability/", {"availability": "kadang"}, format="json"), 400)
    error_of(ani.post("/api/v1/volunteers/me/availability/", {"availability": "schedule", "schedule_hours": [200]}, format="json"), 400)
    error_of(ani.post("/api/v1/volunteers/me/availability/", {"availability": "schedule"}, format="json"), 400)
    ok = ani.post("/api/v1/volunteers/me/availability/", {"availability": "schedule", "schedule_hours": [8, 9, 10]}, format="json")
    assert ok.status_code == 200 and ok.json()["availability"] == "schedule"
    error_of(ani.post("/api/v1/volunteers/me/position/", {"location": {"type": "Point", "coordinates": [500, 0]}}, format="json"), 400)
    moved = ani.post("/api/v1/volunteers/me/position/", {"location": {"type": "Point", "coordinates": [113.9, -2.2]}}, format="json")
    assert moved.status_code == 200 and moved.json()["location_at"]


def test_pages_for_their_users_only(client, members, coordinator, call_taker, community):
    client.force_login(members["ani"].user)
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("volunteer-phone")
    page = client.get(reverse("volunteer-phone"), HTTP_ACCEPT_LANGUAGE="id")
    assert page.status_code == 200 and "Panggilan untuk Anda" in page.content.decode()
    assert client.get(reverse("volunteer-coordinator")).status_code == 403
    client.force_login(coordinator)
    coord = client.get(reverse("volunteer-coordinator"))
    assert coord.status_code == 200 and "Ani" in coord.content.decode()
    client.force_login(call_taker)
    assert client.get(reverse("volunteer-phone")).status_code == 403
