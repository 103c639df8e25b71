"""Load the demo data (agencies.demo.*) idempotently: every row is looked up by a natural key, created
when missing, and saved only when a configured field differs. Re-running writes nothing.

Rows that people change while using the demo are respected: a unit's status and position and a
user's password are set only when the row is created; a region whose boundary is real (imported
with import_boundaries, boundary_is_approximate=False) is never overwritten by the demo outline.
"""
from collections import Counter
from functools import reduce

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import Point
from django.db import models, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from agencies.demo import agencies as agency_data
from agencies.demo import categories as category_data
from agencies.demo import aeds as demo_aeds
from agencies.demo import people, places
from agencies.demo.geometry import DEMO_BOUNDARY_SOURCE, as_multipolygon, inner_point, polygon, tile
from agencies.demo.roadgen import demo_network_file
from agencies.management.commands.load_regions import load_regions
from agencies.models import Aed, Agency, CommandCentre, Landmark, Region, Station, Unit, User
from agencies.roads.services import road_network_import
from incidents.models import EscalationRule, IncidentCategory
from volunteers.models import Volunteer, VolunteerCommunity


def point(lon_lat) -> Point:
    return Point(*lon_lat, srid=4326)


class Loader:
    def __init__(self, log=lambda msg: None):
        self.log = log
        self.stats = Counter()  # "<Model> created|updated"

    # --- generic helpers -------------------------------------------------------------------------
    def upsert(self, model, lookup: dict, values: dict, *, create_only: dict | None = None):
        """get-or-create by `lookup`; on an existing row, save only the fields of `values` that differ."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values, **(create_only or {}))
            self.stats[f"{model.__name__} created"] += 1
            return obj
        changed = []
        for name, value in values.items():
            field = model._meta.get_field(name)
            if isinstance(field, models.ForeignKey):
                current, wanted = getattr(obj, field.attname), (value.pk if value is not None else None)
            else:
                current, wanted = getattr(obj, name), value
            if current != wanted:
                setattr(obj, name, value)
                changed.append(name)
        if changed:
            obj.save(update_fields=changed)
            self.stats[f"{model.__name__} updated"] += 1
        return obj

    def set_m2m(self, manager, objects):
        wanted = {o.pk for o in objects}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(list(objects))
            self.stats[f"{manager.model.__name__} links updated"] += 1

    # --- the data ---------------------------------------------------------------------------------
    def boundaries(self):
        for regency_code, spec in places.REGENCIES.items():
            outline = polygon(spec["outline"])
            regency = Region.objects.get(code=regency_code)
            self._approximate_boundary(regency, as_multipolygon(outline))
            cells = tile(outline, spec["districts"])
            for code, cell in cells.items():
                district = Region.objects.get(code=code)
                if district.parent_id != regency_code:
                    raise ValueError(f"{code} is not a district of {regency_code}")
                self._approximate_boundary(district, cell)
            # Villages have no demo polygons; their district's centre places them on the map.
            without = set(
                Region.objects.filter(level=Region.Level.VILLAGE, parent_id__in=list(cells), centroid__isnull=True)
                .values_list("parent_id", flat=True)
                .distinct()
            )
            for district in Region.objects.filter(code__in=without):
                updated = Region.objects.filter(parent=district, level=Region.Level.VILLAGE, centroid__isnull=True).update(
                    centroid=district.centroid
                )
                self.stats["Region village centroids set"] += updated

    def _approximate_boundary(self, region, boundary):
        if region.boundary is not None and not region.boundary_is_approximate:
            return  # a real boundary was imported: keep it
        self.upsert(
            Region,
            {"code": region.code},
            {
                "boundary": boundary,
                "boundary_is_approximate": True,
                "boundary_source": DEMO_BOUNDARY_SOURCE,
                "centroid": inner_point(boundary),
            },
        )
        region.refresh_from_db(fields=["boundary", "centroid"])

    def centres(self):
        self.centre_by_code = {}
        for spec in places.CENTRES:
            centre = self.upsert(
                CommandCentre,
                {"code": spec["code"]},
                {
                    "reference_prefix": spec["reference_prefix"],
                    "name": spec["name"],
                    "province": Region.objects.get(code=spec["province"]),
                    "timezone": spec["timezone"],
                    "location": point(spec["location"]),
                    "phone": spec["phone"],
                },
            )
            self.set_m2m(centre.regions, Region.objects.filter(code__in=spec["regions"]))
            self.centre_by_code[spec["code"]] = centre

    def categories(self):
        by_code = {}
        for spec in category_data.CATEGORIES:
            values = {k: v for k, v in spec.items() if k not in ("code", "related")}
            values.setdefault("on_scene_target_min", None)
            by_code[spec["code"]] = self.upsert(IncidentCategory, {"code": spec["code"]}, values)
        for spec in category_data.CATEGORIES:
            related = [by_code[c] for c in spec["related"]]
            # Symmetrical: only ever add, so one category's list does not undo another's.
            missing = {c.pk for c in related} - set(by_code[spec["code"]].related.values_list("pk", flat=True))
            if missing:
                by_code[spec["code"]].related.add(*missing)
                self.stats["IncidentCategory links updated"] += 1
        for priority, seconds in category_data.ESCALATION_DEFAULTS.items():
            self.upsert(
                EscalationRule,
                {"command_centre": None, "category": None, "priority": priority},
                {"ack_seconds": seconds, "second_stage_seconds": category_data.SECOND_STAGE_SECONDS},
            )

    def agencies(self):
        self.agency_by_key = {}
        now = timezone.now()
        for centre_code, specs in agency_data.AGENCIES.items():
            centre = self.centre_by_code[centre_code]
            for spec in specs:
                region_codes = spec.get("regions") or next(c["regions"] for c in places.CENTRES if c["code"] == centre_code)
                regions = list(Region.objects.filter(code__in=region_codes))
                boundaries = [r.boundary for r in regions if r.boundary is not None]
                jurisdiction = as_multipolygon(reduce(lambda a, b: a.union(b), boundaries)) if boundaries else None
                agency = self.upsert(
                    Agency,
                    {"command_centre": centre, "short_name": spec["short_name"]},
                    {"name": spec["name"], "type": spec["type"], "phone": spec.get("phone", ""), "is_active": True,
                     "jurisdiction": jurisdiction},
                )
                self.set_m2m(agency.regions, regions)
                self.agency_by_key[f"{spec['key']}@{centre_code}"] = agency
                for station_spec in spec["stations"]:
                    location = point(station_spec["location"])
                    station = self.upsert(
                        Station,
                        {"agency": agency, "name": station_spec["name"]},
                        {"address": station_spec["address"], "location": location},
                    )
                    for unit_spec in station_spec["units"]:
                        self.upsert(
                            Unit,
                            {"agency": agency, "call_sign": unit_spec["call_sign"]},
                            {"station": station, "type": unit_spec["type"], "capabilities": unit_spec["capabilities"]},
                            create_only={"status": Unit.Status.AVAILABLE, "position": location, "position_at": now, "status_changed_at": now},
                        )
        # Backups once every agency exists: "bpbd" is the same centre's, "basarnas@smd" another centre's.
        for centre_code, specs in agency_data.AGENCIES.items():
            for spec in specs:
                if not spec.get("backup"):
                    continue
                backup_key = spec["backup"] if "@" in spec["backup"] else f"{spec['backup']}@{centre_code}"
                agency = self.agency_by_key[f"{spec['key']}@{centre_code}"]
                self.upsert(Agency, {"pk": agency.pk}, {"backup_agency": self.agency_by_key[backup_key]})

    def landmarks(self):
        for centre_code, items in places.LANDMARKS.items():
            for name, lon_lat in items:
                self.upsert(Landmark, {"command_centre": self.centre_by_code[centre_code], "name": name}, {"location": point(lon_lat)})

    def aeds(self):
        for centre_code, items in demo_aeds.AEDS.items():
            centre = self.centre_by_code[centre_code]
            for name, lon_lat, address, access, hours in items:
                self.upsert(Aed, {"command_centre": centre, "name": name},
                            {"location": point(lon_lat), "address": address, "access": access, "available_hours": hours,
                             "is_active": True})

    def communities(self):
        self.community_by_key = {}
        self.volunteer_user_links = []
        for spec in people.COMMUNITIES:
            community = self.upsert(
                VolunteerCommunity,
                {"command_centre": self.centre_by_code[spec["centre"]], "name": spec["name"]},
                {"kind": spec["kind"], "category_codes": spec["category_codes"], "base_location": point(spec["base_location"]),
                 "coordinator_phone": spec["coordinator_phone"], "is_active": True},
                # demo communities are approved when created; an approval withdrawn later is respected
                create_only={"approved_at": timezone.now()},
            )
            self.community_by_key[spec["key"]] = community
            for v in spec["volunteers"]:
                volunteer = self.upsert(
                    Volunteer,
                    {"community": community, "phone": v["phone"]},
                    {"name": v["name"], "skills": v["skills"], "certifications": v.get("certifications", [])},
                    create_only={"availability": v.get("availability", Volunteer.Availability.AVAILABLE),
                                 "schedule_hours": v.get("schedule_hours", []), "joined_at": timezone.now(),
                                 "location": point(v["location"]), "location_at": timezone.now()},
                )
                if v.get("user"):
                    self.volunteer_user_links.append((volunteer, v["user"]))

    def users(self):
        self.users_by_name = {}
        password_hash = None  # hashing is slow on purpose (~0.5 s): hash once, for the new accounts only
        for spec in people.USERS:
            scope = {"command_centre": None, "agency": None, "community": None, "province": None, "unit": None}
            if spec.get("centre"):
                scope["command_centre"] = self.centre_by_code[spec["centre"]]
            if spec.get("agency"):
                scope["agency"] = self.agency_by_key[spec["agency"]]
            if spec.get("community"):
                scope["community"] = self.community_by_key[spec["community"]]
            if spec.get("unit"):
                agency_key, call_sign = spec["unit"].split("/")
                scope["unit"] = Unit.objects.get(agency=self.agency_by_key[agency_key], call_sign=call_sign)
            if spec.get("province"):
                scope["province"] = Region.objects.get(code=spec["province"])
            superuser = bool(spec.get("superuser"))
            user = User.objects.filter(username=spec["username"]).first()
            values = {
                "role": spec["role"], "first_name": spec["first_name"], "last_name": spec["last_name"],
                "is_staff": superuser, "is_superuser": superuser, **scope,
            }
            if user is None:
                user = User(username=spec["username"], **values)
                # Only on creation: a password changed later survives a re-run.
                password_hash = password_hash or make_password(settings.DEMO_PASSWORD)
                user.password = password_hash
                user.save()
                self.stats["User created"] += 1
            else:
                user = self.upsert(User, {"pk": user.pk}, values)
            self.users_by_name[spec["username"]] = user
            if Token.objects.get_or_create(user=user)[1]:
                self.stats["Token created"] += 1
        for volunteer, username in self.volunteer_user_links:
            self.upsert(Volunteer, {"pk": volunteer.pk}, {"user": self.users_by_name[username]})
        for spec in people.COMMUNITIES:
            if spec.get("coordinator"):
                community = self.community_by_key[spec["key"]]
                self.upsert(VolunteerCommunity, {"pk": community.pk}, {"coordinator": self.users_by_name[spec["coordinator"]]})

    def run(self):
        load_regions(log=self.log)
        with transaction.atomic():
            self.boundaries()
            self.centres()
            self.categories()
            self.agencies()
            self.landmarks()
            self.aeds()
            self.communities()
            self.users()
        if settings.DEMO_ROAD_NETWORK:
            self.road_network()
        return self.stats

    def road_network(self):
        """The generated demo roads of Palangka Raya, Samarinda and Tanah Grogot: written as an .osm.pbf, loaded
        into PostGIS and prepared for the routing engine — each step only when its input changed (a few
        milliseconds when nothing did; ≈ 2 s the first time)."""
        path, written = demo_network_file()
        result = road_network_import(path=path, name="demo", log=self.log)
        if written:
            self.stats["demo road network written"] += 1
        if result.loaded:
            self.stats["RoadNetwork loaded"] += 1
        if result.prepared is not None and not result.prepared.skipped:
            self.stats["routing engine files prepared"] += 1


def load_demo(log=lambda msg: None) -> Counter:
    return Loader(log=log).run()
