"""Advanced Mobile Location (AML) and Android Emergency Location Service (ELS): reading what handsets send.

Two carriers of the same data:
- HTTPS POST from the operator's (or Google's ELS) gateway, form-encoded or JSON, with the ELS field
  names: v, thunderbird_version, emergency_number, source, time, location_latitude,
  location_longitude, location_time, location_altitude, location_floor, location_source,
  location_accuracy, location_vertical_accuracy, location_confidence, location_bearing,
  location_speed, device_number, device_model, device_imei, device_imsi, cell_carrier,
  cell_network, cell_home_mcc, cell_home_mnc, cell_network_mcc, cell_network_mnc, cell_id.
- The AML SMS (ETSI TR 103 393): `A"ML=1;lt=-2.20960;lg=113.92130;rd=50;top=20260101120000;lc=90;
  pm=G;si=…;ei=…;mcc=510;mnc=10;ml=…`, whose sender number is the caller.

Everything here is pure (no database): it never raises on bad input, it reports problems instead.
"""
import hashlib
import json
import math
import re
from datetime import datetime
from datetime import timezone as dt_timezone

from django.utils import timezone
from django.utils.dateparse import parse_datetime

# AML SMS keys → the ELS field names the rest of the code reads.
SMS_KEYS = {
    "lt": "location_latitude",
    "lg": "location_longitude",
    "rd": "location_accuracy",
    "top": "location_time",
    "lc": "location_confidence",
    "pm": "location_source",
    "si": "device_imsi",
    "ei": "device_imei",
    "mcc": "cell_network_mcc",
    "mnc": "cell_network_mnc",
    "ml": "message_length",
}
# AML positioning methods: G GNSS, W Wi-Fi, C cell, N none.
SMS_METHODS = {"G": "gnss", "W": "wifi", "C": "cell", "N": "none"}

KNOWN_FIELDS = frozenset(
    """v thunderbird_version emergency_number source time location_latitude location_longitude location_time
    location_altitude location_floor location_source location_accuracy location_vertical_accuracy location_confidence
    location_bearing location_bearing_accuracy location_speed location_speed_accuracy device_number device_model
    device_imei device_imsi device_language cell_carrier cell_network cell_home_mcc cell_home_mnc cell_network_mcc
    cell_network_mnc cell_id message_length aml_version""".split()
)

_SMS_HEADER = re.compile(r'^\s*A["\u201c\u201d\u201e]?ML\s*=\s*(\d+)\s*;?', re.I)


def parse_aml_sms(text) -> dict:
    """Parse an AML SMS body into ELS field names.

    Returns {"aml_version": "1", "location_latitude": "-2.20960", …, "problems": [...]}; a body that is
    not AML at all returns only problems. Values stay strings; normalise_fields() converts them."""
    result = {"problems": []}
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str) or not text.strip():
        result["problems"].append("empty SMS body")
        return result
    header = _SMS_HEADER.match(text)
    if header is None:
        result["problems"].append("not an AML message (no A\"ML= header)")
        return result
    result["aml_version"] = header.group(1)
    for part in text[header.end():].split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            result["problems"].append(f"malformed pair: {part[:40]}")
            continue
        key, value = (p.strip() for p in part.split("=", 1))
        name = SMS_KEYS.get(key.lower())
        if name is None:
            result.setdefault("unknown", {})[key[:20]] = value[:100]
            continue
        if name == "location_source":
            value = SMS_METHODS.get(value.upper(), value)
        result[name] = value[:100]
    for required in ("location_latitude", "location_longitude"):
        if required not in result:
            result["problems"].append(f"missing {SMS_KEYS_REVERSE[required]}")
    return result


SMS_KEYS_REVERSE = {v: k for k, v in SMS_KEYS.items()}


def _number(value, name, problems, *, lo=None, hi=None):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        problems.append(f"{name}: not a number")
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        problems.append(f"{name}: not a number ({str(value)[:30]!r})")
        return None
    if math.isnan(number) or math.isinf(number):
        problems.append(f"{name}: not a finite number")
        return None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        problems.append(f"{name}: {number:g} out of range")
        return None
    return number


def _text(value, limit=64) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value).strip()[:limit]


def normalise_fields(fields) -> dict:
    """Tolerant reading of one report's fields (ELS names).

    Returns {number, lat, lon, accuracy_m, location_time, method, dedup_key, problems}: lat/lon are
    both set or both None; every unreadable value becomes a problem, never an exception."""
    problems = []
    if not isinstance(fields, dict):
        problems.append(f"payload is not a set of fields ({type(fields).__name__})")
        fields = {}
    carried = fields.get("problems")  # found earlier, e.g. by parse_aml_sms
    if isinstance(carried, list):
        problems.extend(str(p)[:200] for p in carried)
    # Form posts may repeat a field and JSON may send lists: keep the first value.
    fields = {
        str(k)[:60]: (v[0] if isinstance(v, list) and v else v) for k, v in fields.items() if k not in ("problems", "unknown", "body")
    }
    unknown = sorted(k for k in fields if k not in KNOWN_FIELDS and k != "from")
    if unknown:
        problems.append("unknown fields: " + ", ".join(unknown)[:150])

    lat = _number(fields.get("location_latitude"), "location_latitude", problems, lo=-90, hi=90)
    lon = _number(fields.get("location_longitude"), "location_longitude", problems, lo=-180, hi=180)
    if (lat is None) != (lon is None):
        problems.append("only one of latitude/longitude is usable")
        lat = lon = None
    elif lat is None:
        problems.append("no usable location")
    accuracy = _number(fields.get("location_accuracy"), "location_accuracy", problems, lo=0, hi=1_000_000)
    location_time = None
    raw_time = fields.get("location_time") or fields.get("time")
    if raw_time not in (None, ""):
        location_time = parse_time(raw_time)
        if location_time is None:
            problems.append(f"location_time: unreadable ({_text(raw_time, 30)!r})")
    number = _text(fields.get("device_number") or fields.get("from"), 32)
    if number and not re.fullmatch(r"\+?[0-9][0-9 \-]{2,30}", number):
        problems.append(f"device_number: not a phone number ({number[:20]!r})")
        number = ""
    if not number:
        problems.append("no device_number")
    method = _text(fields.get("location_source"), 20)

    if lat is not None or location_time is not None or number:
        basis = "|".join(
            [re.sub(r"\D", "", number)[-11:], location_time.isoformat() if location_time else "", f"{lat:.6f}" if lat is not None else "",
             f"{lon:.6f}" if lon is not None else "", f"{accuracy:g}" if accuracy is not None else ""]
        )
    else:
        basis = json.dumps(fields, sort_keys=True, default=str)
    dedup_key = "aml:" + hashlib.sha256(basis.encode("utf-8", errors="replace")).hexdigest()
    return {
        "number": number,
        "lat": lat,
        "lon": lon,
        "accuracy_m": accuracy,
        "location_time": location_time,
        "method": method,
        "dedup_key": dedup_key,
        "problems": problems,
    }


def parse_time(value) -> datetime | None:
    """Epoch seconds or milliseconds, ISO 8601, or AML's compact YYYYMMDDhhmmss (UTC)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d{14}", text):
        try:
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=dt_timezone.utc)
        except ValueError:
            return None
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        number = float(text)
        if number > 1e11:
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, tz=dt_timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = parse_datetime(text)
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt_timezone.utc)
    return parsed
