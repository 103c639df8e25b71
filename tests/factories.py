"""factory_boy factories for the reference data; workflow data (incidents, assignments) is built by calling services."""
import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from agencies.models import Agency, CommandCentre, Region, Station, TimeZoneName, Unit, User
from incidents.models import IncidentCategory
from volunteers.models import Volunteer, VolunteerCommunity


def square(lon, lat, half=0.05) -> MultiPolygon:
    return MultiPolygon(
        Polygon(((lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half), (lon - half, lat - half))),
        srid=4326,
    )


# Palangka Raya city centre and Samarinda city centre, for tests that need real-looking places.
PKY = (113.9213, -2.2096)
SMD = (117.1536, -0.5022)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "62"
    level = Region.Level.PROVINCE
    name = "Kalimantan Tengah"
    timezone = TimeZoneName.WIB


class RegencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "62.71"
    level = Region.Level.REGENCY
    name = "Kota Palangkaraya"
    parent = factory.SubFactory(ProvinceFactory)
    timezone = TimeZoneName.WIB
    boundary = factory.LazyFunction(lambda: square(*PKY, half=0.2))


class CommandCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommandCentre
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = "pky"
    reference_prefix = "PKY"
    name = "112 Kota Palangka Raya"
    province = factory.LazyAttribute(lambda o: ProvinceFactory())
    timezone = TimeZoneName.WIB

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.add(*(extracted or [RegencyFactory()]))


def samarinda_centre() -> CommandCentre:
    province = ProvinceFactory(code="64", name="Kalimantan Timur", timezone=TimeZoneName.WITA)
    regency = RegencyFactory(code="64.72", name="Kota Samarinda", parent=province, timezone=TimeZoneName.WITA, boundary=square(*SMD, half=0.2))
    return CommandCentreFactory(
        code="smd", reference_prefix="SMD", name="112 Kota Samarinda", province=province, timezone=TimeZoneName.WITA, regions=[regency]
    )


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Dinas Pemadam Kebakaran {n}")
    short_name = factory.Sequence(lambda n: f"Damkar {n}")
    type = "fire"
    command_centre = factory.SubFactory(CommandCentreFactory)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.add(*(extracted or list(self.command_centre.regions.all())))


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Pos {n}")
    location = factory.LazyFunction(lambda: Point(*PKY, srid=4326))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    call_sign = factory.Sequence(lambda n: f"UNIT-{n:03d}")
    type = Unit.Type.FIRE_ENGINE
    capabilities = factory.LazyFunction(lambda: ["fire_suppression"])
    status = Unit.Status.AVAILABLE
    position = factory.LazyFunction(lambda: Point(*PKY, srid=4326))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentCategory
        django_get_or_create = ("code",)

    code = "kebakaran"
    name_id = "Kebakaran"
    name_en = "Fire"
    default_priority = 2
    responsible_agency_types = factory.LazyFunction(lambda: ["fire"])
    required_capabilities = factory.LazyFunction(lambda: ["fire_suppression"])
    question_script = factory.LazyFunction(
        lambda: [
            {"key": "people_trapped", "question_id": "Ada orang terjebak?", "question_en": "Anyone trapped?", "type": "bool",
             "priority_if": {"answer": True, "priority": 1}},
            {"key": "building_type", "question_id": "Jenis bangunan?", "question_en": "Building type?", "type": "text"},
        ]
    )
    on_scene_target_min = 15


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")
    role = User.Role.CALL_TAKER
    command_centre = factory.LazyAttribute(lambda o: CommandCentreFactory() if o.role in ("call_taker", "supervisor", "official") else None)


def call_taker(centre=None, **kw) -> User:
    return UserFactory(role=User.Role.CALL_TAKER, command_centre=centre or CommandCentreFactory(), **kw)


def dispatcher(agency, **kw) -> User:
    return UserFactory(role=User.Role.DISPATCHER, command_centre=None, agency=agency, **kw)


def crew(unit, **kw) -> User:
    """A unit's crew login (issue 16): scoped to that unit."""
    return UserFactory(role=User.Role.CREW, command_centre=None, unit=unit, **kw)


def supervisor(centre=None, **kw) -> User:
    return UserFactory(role=User.Role.SUPERVISOR, command_centre=centre or CommandCentreFactory(), **kw)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerCommunity

    name = factory.Sequence(lambda n: f"Relawan {n}")
    kind = VolunteerCommunity.Kind.SAR
    command_centre = factory.SubFactory(CommandCentreFactory)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"Relawan {n}")
    phone = factory.Sequence(lambda n: f"0812000{n:05d}")
