"""Who sees what: the scope of each role, used by every selector and consumer."""
import pytest

from agencies.models import User
from agencies.scoping import scope_for
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_each_role_gets_its_own_scope():
    pky = f.CommandCentreFactory()
    smd = f.samarinda_centre()
    psr = f.CommandCentreFactory(code="psr", reference_prefix="PSR", name="112 Paser", province=smd.province, timezone="Asia/Makassar")
    damkar = f.AgencyFactory(command_centre=pky)
    community = f.CommunityFactory(command_centre=pky)

    assert scope_for(f.call_taker(pky)).centre_ids == {pky.pk}
    assert scope_for(f.supervisor(smd)).centre_ids == {smd.pk}
    provincial = f.UserFactory(role=User.Role.SUPERVISOR, command_centre=None, province=smd.province)
    assert scope_for(provincial).centre_ids == {smd.pk, psr.pk}
    dispatcher_scope = scope_for(f.dispatcher(damkar))
    assert dispatcher_scope.agency_ids == {damkar.pk} and not dispatcher_scope.centre_ids
    volunteer = f.UserFactory(role=User.Role.VOLUNTEER, command_centre=None, community=community)
    assert scope_for(volunteer).community_ids == {community.pk}
    assert scope_for(f.UserFactory(role=User.Role.ADMIN, command_centre=None)).is_global


def test_inactive_or_anonymous_users_see_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(AnonymousUser()).is_empty
    user = f.call_taker()
    user.is_active = False
    assert scope_for(user).is_empty


def test_a_user_without_the_scope_their_role_needs_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nobody", role=User.Role.DISPATCHER)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nobody2", role=User.Role.CALL_TAKER)
    # a superuser made by createsuperuser is an admin, so it is allowed
    assert User.objects.create_superuser("root", "r@example.org", "x").role == User.Role.ADMIN


def test_group_names_follow_the_scope():
    pky = f.CommandCentreFactory()
    damkar = f.AgencyFactory(command_centre=pky)
    assert scope_for(f.call_taker(pky)).group_names() == [f"centre.{pky.pk}"]
    assert scope_for(f.dispatcher(damkar)).group_names() == [f"agency.{damkar.pk}"]
