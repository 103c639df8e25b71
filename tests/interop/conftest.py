"""Two neighbouring East Kalimantan centres (Samarinda and Paser, both WITA) for CAD-to-CAD exchange."""
import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from agencies.models import TimeZoneName
from tests import factories as f

# Tanah Grogot, the seat of Kabupaten Paser.
PSR = (116.1950, -1.9100)


def paser_centre():
    province = f.ProvinceFactory(code="64", name="Kalimantan Timur", timezone=TimeZoneName.WITA)
    regency = f.RegencyFactory(code="64.01", name="Kabupaten Paser", parent=province, timezone=TimeZoneName.WITA, boundary=f.square(*PSR, half=0.3))
    return f.CommandCentreFactory(
        code="psr", reference_prefix="PSR", name="112 Kabupaten Paser", province=province, timezone=TimeZoneName.WITA, regions=[regency]
    )


@pytest.fixture
def smd(db):
    return f.samarinda_centre()


@pytest.fixture
def psr(db):
    return paser_centre()


@pytest.fixture
def smd_call_taker(smd):
    return f.call_taker(smd, username="ct_smd")


@pytest.fixture
def psr_call_taker(psr):
    return f.call_taker(psr, username="ct_psr")


@pytest.fixture
def smd_point():
    return Point(*f.SMD, srid=4326)


@pytest.fixture
def psr_point():
    return Point(*PSR, srid=4326)


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
