"""Places of Palangka Raya (and one of Samarinda, for scoping) the call-taker tests type."""
import pytest
from django.contrib.gis.geos import Point

from agencies.models import Landmark, Region, TimeZoneName
from tests import factories as f

PAHANDUT = (113.93, -2.21)
JEKAN_RAYA = (113.88, -2.20)


@pytest.fixture
def pky_places(centre):
    """Kecamatan Pahandut with kelurahan Langkai, Kecamatan Jekan Raya (no boundary), and two landmarks."""
    regency = Region.objects.get(code="62.71")
    pahandut = Region.objects.create(
        code="62.71.01", level=Region.Level.DISTRICT, name="Pahandut", parent=regency, timezone=TimeZoneName.WIB,
        boundary=f.square(*PAHANDUT, half=0.03), centroid=Point(*PAHANDUT, srid=4326), boundary_is_approximate=True,
    )
    langkai = Region.objects.create(
        code="62.71.01.1001", level=Region.Level.VILLAGE, name="Langkai", parent=pahandut, timezone=TimeZoneName.WIB,
        boundary=f.square(113.915, -2.21, half=0.01), centroid=Point(113.915, -2.21, srid=4326),
    )
    jekan = Region.objects.create(
        code="62.71.02", level=Region.Level.DISTRICT, name="Jekan Raya", parent=regency, timezone=TimeZoneName.WIB,
        centroid=Point(*JEKAN_RAYA, srid=4326),
    )
    bundaran = Landmark.objects.create(command_centre=centre, name="Bundaran Besar", location=Point(113.9100, -2.2080, srid=4326))
    rsud = Landmark.objects.create(command_centre=centre, name="RSUD Doris Sylvanus", location=Point(113.9050, -2.2140, srid=4326))
    return {"pahandut": pahandut, "langkai": langkai, "jekan": jekan, "bundaran": bundaran, "rsud": rsud}


@pytest.fixture
def smd_places(db):
    centre = f.samarinda_centre()
    regency = Region.objects.get(code="64.72")
    district = Region.objects.create(
        code="64.72.01", level=Region.Level.DISTRICT, name="Palaran", parent=regency, timezone=TimeZoneName.WITA,
        centroid=Point(117.18, -0.57, srid=4326),
    )
    landmark = Landmark.objects.create(command_centre=centre, name="Bundaran Air Mancur", location=Point(*f.SMD, srid=4326))
    return {"centre": centre, "district": district, "landmark": landmark}
