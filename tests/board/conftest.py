"""Three centres in two provinces and three zones of thought: Palangka Raya (Kalimantan Tengah, WIB), Samarinda and
Paser (Kalimantan Timur, WITA), with the supervisors and officials who watch them."""
import pytest

from agencies.models import TimeZoneName, User
from tests import factories as f


@pytest.fixture
def smd(db):
    return f.samarinda_centre()


@pytest.fixture
def paser(smd):
    regency = f.RegencyFactory(code="64.01", name="Kabupaten Paser", parent=smd.province, timezone=TimeZoneName.WITA,
                               boundary=f.square(116.2, -1.9, half=0.3))
    return f.CommandCentreFactory(code="psr", reference_prefix="PSR", name="112 Kabupaten Paser", province=smd.province,
                                  timezone=TimeZoneName.WITA, regions=[regency])


@pytest.fixture
def supervisor_pky(centre):
    return f.supervisor(centre, username="supervisor_pky")


@pytest.fixture
def supervisor_smd(smd):
    return f.supervisor(smd, username="supervisor_smd")


@pytest.fixture
def supervisor_kaltim(smd, paser):
    return f.UserFactory(username="supervisor_kaltim", role=User.Role.SUPERVISOR, command_centre=None, province=smd.province)


@pytest.fixture
def official_kaltim(smd, paser):
    return f.UserFactory(username="official_kaltim", role=User.Role.OFFICIAL, command_centre=None, province=smd.province)


@pytest.fixture
def official_pky(centre):
    return f.UserFactory(username="official_pky", role=User.Role.OFFICIAL, command_centre=centre)
