"""Importing AEDs from a CSV file (`manage.py import_aeds FILE.csv --centre pky`, or the admin's "Impor CSV").

Columns (a header row, names case-insensitive; Indonesian names accepted): `name`/`nama`, `lon`/`bujur`,
`lat`/`lintang`, optional `address`/`alamat`, `access`/`akses` (`public`/`umum` or `restricted`/`terbatas`),
`available_hours`/`jam`, `note`/`catatan`, `active`/`aktif` (1/0, ya/tidak). One AED per name per centre: a name
already registered is updated. Every row is checked first; any bad row → nothing is stored and every bad row is
reported with its line number."""
import csv
import io
import math

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.geo import in_indonesia
from agencies.models import Aed, CommandCentre

MAX_ROWS = 10_000
ALIASES = {
    "name": ("name", "nama"),
    "lon": ("lon", "lng", "longitude", "bujur"),
    "lat": ("lat", "latitude", "lintang"),
    "address": ("address", "alamat", "letak"),
    "access": ("access", "akses"),
    "available_hours": ("available_hours", "hours", "jam", "jam_tersedia"),
    "note": ("note", "catatan"),
    "active": ("active", "aktif", "is_active"),
}
ACCESS = {"public": Aed.Access.PUBLIC, "umum": Aed.Access.PUBLIC, "restricted": Aed.Access.RESTRICTED,
          "terbatas": Aed.Access.RESTRICTED, "": Aed.Access.PUBLIC}
TRUE = {"1", "ya", "yes", "true", "y", ""}
FALSE = {"0", "tidak", "no", "false", "n"}


class ImportFailed(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


def _columns(header) -> dict:
    names = [(h or "").strip().lower().lstrip("\ufeff") for h in header]
    found = {}
    for field, aliases in ALIASES.items():
        for i, name in enumerate(names):
            if name in aliases:
                found[field] = i
                break
    missing = [f for f in ("name", "lon", "lat") if f not in found]
    if missing:
        raise ImportFailed([_("Kolom wajib tidak ada: %(cols)s") % {"cols": ", ".join(missing)}])
    return found


def parse_rows(text: str) -> list[dict]:
    """The rows as clean dicts, or ImportFailed listing every bad line."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([_("Berkas kosong.")]) from None
    cols = _columns(header)
    rows, errors, names = [], [], set()
    for line, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(_("Terlalu banyak baris (paling banyak %(n)d).") % {"n": MAX_ROWS})
            break

        def cell(field, raw=raw):
            i = cols.get(field)
            return raw[i].strip() if i is not None and i < len(raw) else ""

        problems = []
        name = cell("name")
        if not name or len(name) > 160:
            problems.append(_("nama kosong atau lebih dari 160 karakter"))
        elif name.lower() in names:
            problems.append(_("nama '%(name)s' muncul dua kali") % {"name": name})
        try:
            lon, lat = float(cell("lon").replace(",", ".")), float(cell("lat").replace(",", "."))
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError
            point = Point(lon, lat, srid=4326)
            if not in_indonesia(point):
                problems.append(_("koordinat di luar Indonesia (bujur, lintang tertukar?)"))
        except ValueError:
            problems.append(_("bujur/lintang bukan angka yang valid"))
            point = None
        access = ACCESS.get(cell("access").lower())
        if access is None:
            problems.append(_("akses harus public/umum atau restricted/terbatas"))
        active = cell("active").lower()
        if active not in TRUE | FALSE:
            problems.append(_("aktif harus 1/0 atau ya/tidak"))
        address, hours, note = cell("address"), cell("available_hours"), cell("note")
        if len(address) > 255 or len(hours) > 120 or len(note) > 255:
            problems.append(_("alamat, jam atau catatan terlalu panjang"))
        if problems:
            errors.append(_("Baris %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)})
            continue
        names.add(name.lower())
        rows.append({"name": name, "location": point, "address": address, "access": access, "available_hours": hours,
                     "note": note, "is_active": active not in FALSE})
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([_("Tidak ada baris AED di berkas.")])
    return rows


def aeds_import(*, centre: CommandCentre, text: str) -> tuple[int, int]:
    """Store the file's AEDs for the centre, all or nothing. Returns (created, updated)."""
    rows = parse_rows(text)
    created = updated = 0
    with transaction.atomic():
        existing = {a.name.lower(): a for a in Aed.objects.select_for_update().filter(command_centre=centre)}
        for row in rows:
            aed = existing.get(row["name"].lower())
            if aed is None:
                Aed.objects.create(command_centre=centre, **row)
                created += 1
            else:
                for field, value in row.items():
                    setattr(aed, field, value)
                aed.save(update_fields=list(row))
                updated += 1
    return created, updated
