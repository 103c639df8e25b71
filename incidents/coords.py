"""Coordinates as call-takers paste them: decimal ("-2.2096, 113.9213") or degrees-minutes-seconds
("2°12'34.5\"S 113°55'16.7\"E"), with the Indonesian hemisphere words LS/LU (lintang selatan/utara) and
BT/BB (bujur timur/barat) as well as N/S/E/W.

`parse_coordinates(text)` returns (lat, lon) or raises CoordinateError with a message for the call-taker.
"""
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


class CoordinateError(ValueError):
    pass


# Quote marks as they come out of phones, maps and word processors.
_NORMALISE = str.maketrans({"′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "″": '"', "“": '"', "”": '"', "º": "°", "˚": "°"})
_TOKEN = re.compile(r"\s*(?:(?P<num>[-+−]?\d+(?:\.\d+)?)|(?P<unit>°|''|'|\")|(?P<hemi>LS|LU|BT|BB|[NSEWUTB])|(?P<sep>[,;/])|(?P<junk>\S))")
_HEMI = {
    "N": ("lat", 1), "LU": ("lat", 1), "U": ("lat", 1),
    "S": ("lat", -1), "LS": ("lat", -1),
    "E": ("lon", 1), "BT": ("lon", 1), "T": ("lon", 1),
    "W": ("lon", -1), "BB": ("lon", -1), "B": ("lon", -1),
}
_UNIT_RANK = {"°": 0, "'": 1, "''": 2, '"': 2}
# Indonesian decimal commas, "-2,2096 113,9213": only when each number has exactly one comma and a space divides them.
_DECIMAL_COMMA = re.compile(r"^\s*([-+]?\d+),(\d+)\s+([-+]?\d+),(\d+)\s*$")


@dataclass
class _Part:
    numbers: list = field(default_factory=list)  # [value, unit rank or None]
    hemi: str | None = None
    sign: int = 1


def _tokens(text):
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "junk":
            raise CoordinateError(_("Karakter tidak dikenal dalam koordinat: '%(c)s'.") % {"c": m.group(kind)})
        yield kind, m.group(kind)


def _split(text) -> list[_Part]:
    parts, current, last_unit = [], _Part(), None
    for kind, value in _tokens(text):
        if kind == "num":
            rank = None
            # A number after seconds, or a second degree value, starts the next coordinate.
            if current.numbers and last_unit is not None and last_unit >= 2:
                parts.append(current)
                current = _Part()
            current.numbers.append([value.replace("−", "-"), None])
            last_unit = rank
        elif kind == "unit":
            if not current.numbers or current.numbers[-1][1] is not None:
                raise CoordinateError(_("Tanda derajat/menit/detik di tempat yang salah."))
            rank = _UNIT_RANK[value]
            if rank == 0 and len(current.numbers) > 1:
                # "…16.7 113°": the degree sign belongs to a new coordinate.
                moved = current.numbers.pop()
                parts.append(current)
                current = _Part(numbers=[moved])
            current.numbers[-1][1] = rank
            last_unit = rank
        elif kind == "hemi":
            if current.numbers and current.hemi is None:
                current.hemi = value
                parts.append(current)
                current, last_unit = _Part(), None
            elif current.numbers:
                # The previous coordinate had its letter in front ("S 2°… E 113°…").
                parts.append(current)
                current, last_unit = _Part(hemi=value), None
            elif current.hemi is None:
                current.hemi = value
            else:
                raise CoordinateError(_("Dua penanda arah berturut-turut."))
        elif kind == "sep":
            if current.numbers:
                parts.append(current)
            current, last_unit = _Part(), None
    if current.numbers:
        parts.append(current)
    elif current.hemi:
        raise CoordinateError(_("Penanda arah tanpa angka."))
    if len(parts) == 1 and all(u is None for _v, u in parts[0].numbers) and len(parts[0].numbers) in (2, 4, 6):
        # Plain numbers separated by spaces: "-2.2096 113.9213" or "2 12 34.5 113 55 16.7".
        nums = parts[0].numbers
        half = len(nums) // 2
        parts = [_Part(numbers=nums[:half]), _Part(numbers=nums[half:], hemi=parts[0].hemi)]
    return parts


def _value(part: _Part) -> float:
    if len(part.numbers) > 3:
        raise CoordinateError(_("Terlalu banyak angka dalam satu koordinat."))
    # Unmarked numbers take the next free position: degrees, minutes, seconds.
    expected = 0
    values = [0.0, 0.0, 0.0]
    seen = set()
    for (text, unit) in part.numbers:
        rank = expected if unit is None else unit
        if rank in seen or rank > 2:
            raise CoordinateError(_("Format derajat-menit-detik tidak dikenali."))
        seen.add(rank)
        values[rank] = float(text)
        expected = rank + 1
    degrees, minutes, seconds = values
    sign = -1 if degrees < 0 or str(part.numbers[0][0]).startswith("-") else 1
    degrees = abs(degrees)
    if len(part.numbers) > 1:
        if degrees != int(degrees):
            raise CoordinateError(_("Derajat harus bilangan bulat bila menit/detik diberikan."))
        if minutes >= 60 or seconds >= 60:
            raise CoordinateError(_("Menit dan detik harus kurang dari 60."))
        if len(part.numbers) == 3 and minutes != int(minutes):
            raise CoordinateError(_("Menit harus bilangan bulat bila detik diberikan."))
    value = degrees + minutes / 60 + seconds / 3600
    if part.hemi:
        if sign < 0:
            raise CoordinateError(_("Gunakan tanda minus atau penanda arah, bukan keduanya."))
        sign = _HEMI[part.hemi][1]
    return sign * value


def _decimals(part: _Part) -> int:
    last = part.numbers[-1][0]
    return len(last.split(".", 1)[1]) if "." in last else 0


@dataclass(frozen=True)
class ParsedCoordinates:
    lat: float
    lon: float
    # Half the size of the last digit given: "−2.2096" is good to about ±5.6 m.
    precision_m: float
    format: str  # "decimal" or "dms"


def parse_coordinates(text: str) -> ParsedCoordinates:
    if text is None or not str(text).strip():
        raise CoordinateError(_("Koordinat kosong."))
    text = str(text).strip()
    if len(text) > 100:
        raise CoordinateError(_("Teks koordinat terlalu panjang."))
    m = _DECIMAL_COMMA.match(text)
    if m:
        text = f"{m.group(1)}.{m.group(2)} {m.group(3)}.{m.group(4)}"
    text = text.translate(_NORMALISE).upper()
    parts = _split(text)
    if len(parts) != 2:
        raise CoordinateError(_("Masukkan dua nilai: lintang dan bujur, misalnya \"-2.2096, 113.9213\"."))
    first, second = parts
    a, b = _value(first), _value(second)
    axes = [_HEMI[p.hemi][0] if p.hemi else None for p in parts]
    if axes[0] and axes[0] == axes[1]:
        raise CoordinateError(_("Kedua nilai menunjuk arah yang sama (dua lintang atau dua bujur)."))
    if axes[0] == "lon" or axes[1] == "lat" or (axes == [None, None] and abs(a) > 90 >= abs(b)):
        # Written as longitude first ("113.9213, -2.2096" or "113°55'E 2°12'S").
        a, b = b, a
        first, second = second, first
    lat, lon = a, b
    if not -90 <= lat <= 90:
        raise CoordinateError(_("Lintang harus antara -90 dan 90."))
    if not -180 <= lon <= 180:
        raise CoordinateError(_("Bujur harus antara -180 dan 180."))
    dms = any(len(p.numbers) > 1 for p in parts)
    if dms:
        last_rank = max(len(p.numbers) for p in parts) - 1
        unit_deg = (1.0, 1 / 60, 1 / 3600)[last_rank]
        step = unit_deg * 10 ** -min(_decimals(first), _decimals(second))
    else:
        step = 10 ** -min(_decimals(first), _decimals(second))
    precision_m = round(step * 111_320 / 2, 1)
    return ParsedCoordinates(lat=round(lat, 7), lon=round(lon, 7), precision_m=precision_m, format="dms" if dms else "decimal")


def looks_like_coordinates(text: str) -> bool:
    """Cheap pre-check for the type-ahead: mostly digits and coordinate marks, with at least two numbers."""
    text = (text or "").strip()
    return bool(text) and len(re.findall(r"\d+", text)) >= 2 and re.fullmatch(r"[\d\s.,;/°º˚'′’‘´`\"″“”+\-−NSEWnsewLSUTBlsutb]+", text) is not None
