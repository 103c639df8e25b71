"""OASIS Common Alerting Protocol 1.2: an incident as a CAP alert, and the Atom feed of public alerts.

`incident_to_cap(incident)` validates against incidents/interop/schemas/cap/CAP-v1.2.xsd. An alert
never carries the caller's name or number: CAP leaves the centre for the public and other agencies.

Deterministic by incident state, so a consumer polling the feed sees the same identifier until
something changes: an Alert is sent at the incident's creation time, an Update at its last change.
"""
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from lxml import etree

from incidents.interop.eido import centre_domain

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml"

# Words in a category's code or English name → CAP categories (first match wins).
CAP_BY_WORD = [
    (("kebakaran", "fire"), ["Fire"]),
    (("kecelakaan", "traffic", "accident", "lalu-lintas"), ["Transport", "Rescue"]),
    (("banjir", "flood", "cuaca", "angin", "storm", "puting"), ["Met"]),
    (("gempa", "tsunami", "longsor", "earthquake", "landslide", "erupsi", "volcan", "bencana", "disaster"), ["Geo"]),
    (("tenggelam", "pencarian", "drown", "search", "rescue", "evakuasi", "hewan", "ular", "tawon", "animal", "snake",
      "wasp", "roboh", "collapse"), ["Rescue"]),
    (("medis", "ambulans", "kesehatan", "medical", "ambulance", "odgj", "health"), ["Health"]),
    (("kriminal", "kamtibmas", "kdrt", "crime", "violence", "jenazah", "body", "security"), ["Security"]),
    (("pohon", "tree"), ["Safety"]),
    (("pln", "pdam", "pju", "listrik", "air-minum", "power", "water", "street-light", "infra"), ["Infra"]),
    (("limbah", "polusi", "pollution", "env"), ["Env"]),
]
CAP_BY_AGENCY_TYPE = {
    "fire": "Fire",
    "ems": "Health",
    "red_cross": "Health",
    "police": "Security",
    "public_order": "Safety",
    "sar": "Rescue",
    "disaster": "Geo",
    "transport": "Transport",
    "power": "Infra",
    "water": "Infra",
    "social": "Safety",
}
# Priority → (urgency, severity, certainty). A caller's report of an ongoing event is "Observed".
PRIORITY_TERMS = {
    1: ("Immediate", "Extreme", "Observed"),
    2: ("Immediate", "Severe", "Observed"),
    3: ("Expected", "Moderate", "Likely"),
    4: ("Future", "Minor", "Likely"),
}
HEADLINE = {
    "id-ID": "{category} di {place}",
    "en-US": "{category} at {place}",
}
STATUS_TEXT = {
    "id-ID": {
        "new": "Laporan diterima, sedang diproses.",
        "routed": "Diteruskan ke instansi terkait.",
        "accepted": "Instansi terkait menangani kejadian.",
        "dispatched": "Unit telah ditugaskan.",
        "en_route": "Unit menuju lokasi.",
        "on_scene": "Unit berada di lokasi.",
        "resolved": "Kejadian telah tertangani.",
        "closed": "Kejadian selesai.",
        "cancelled": "Laporan dibatalkan.",
    },
    "en-US": {
        "new": "Report received, being processed.",
        "routed": "Passed to the responsible agencies.",
        "accepted": "The responsible agencies are handling the incident.",
        "dispatched": "Units have been dispatched.",
        "en_route": "Units are on their way.",
        "on_scene": "Units are on scene.",
        "resolved": "The incident has been handled.",
        "closed": "The incident is over.",
        "cancelled": "The report was cancelled.",
    },
}
INSTRUCTION = {
    "id-ID": "Jauhi lokasi kejadian dan beri jalan bagi petugas. Keadaan darurat: hubungi 112.",
    "en-US": "Keep away from the scene and make way for responders. In an emergency call 112.",
}
ALL_CLEAR = {
    "id-ID": "Kejadian telah selesai ditangani; tidak ada tindakan yang diperlukan.",
    "en-US": "The incident is over; no action is required.",
}


def cap_categories(category) -> list[str]:
    words = f"{category.code} {category.name_en}".lower()
    for keys, cats in CAP_BY_WORD:
        if any(k in words for k in keys):
            return cats
    for agency_type in category.responsible_agency_types or []:
        if agency_type in CAP_BY_AGENCY_TYPE:
            return [CAP_BY_AGENCY_TYPE[agency_type]]
    return ["Other"]


def _stamp(dt, tz) -> str:
    """CAP's dateTime: seconds, explicit offset, never 'Z' (the XSD pattern demands [-,+]hh:mm)."""
    return timezone.localtime(dt, tz).replace(microsecond=0).isoformat()


def _identifier(incident, when, msg_type) -> str:
    # CAP forbids spaces, commas, '<' and '&' in identifiers.
    return f"{incident.reference}-{msg_type.lower()}-{timezone.localtime(when, ZoneInfo('UTC')):%Y%m%dT%H%M%S}"


def cap_sender(centre) -> str:
    return f"cad@{centre_domain(centre)}"


def _place(incident) -> str:
    parts = [r.name for r in (incident.village, incident.district, incident.regency) if r is not None]
    return ", ".join(parts) or incident.address or incident.command_centre.name


def _area_desc(incident) -> str:
    """The address and the administrative area; never the caller."""
    parts = [incident.address] if incident.address else []
    parts += [r.name for r in (incident.village, incident.district, incident.regency) if r is not None]
    return ", ".join(p for p in parts if p) or incident.command_centre.name


def incident_to_cap(incident, *, status="Actual", msg_type=None, include_description=True) -> bytes:
    """One CAP 1.2 alert (UTF-8 XML bytes) with an id-ID and an en-US info block.

    msg_type None picks by state: "Alert" for an unchanged incident, "Update" once it changed, and an
    "Update" with responseType AllClear once it is closed or cancelled."""
    centre = incident.command_centre
    tz = ZoneInfo(centre.timezone)
    sender = cap_sender(centre)
    closed = incident.status in ("resolved", "closed", "cancelled")
    # updated_at trails created_at by the INSERT itself; a second apart means a real correction.
    changed = incident.status != "new" or (incident.updated_at and incident.updated_at - incident.created_at > timedelta(seconds=1))
    if msg_type is None:
        msg_type = "Update" if (closed or changed) else "Alert"
    if msg_type == "Alert":
        sent = incident.created_at
    else:
        sent = incident.closed_at if closed and incident.closed_at else (incident.updated_at or incident.created_at)

    def el(parent, name, text=None):
        node = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
        if text is not None:
            node.text = str(text)
        return node

    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    el(alert, "identifier", _identifier(incident, sent, msg_type))
    el(alert, "sender", sender)
    el(alert, "sent", _stamp(sent, tz))
    el(alert, "status", status)
    el(alert, "msgType", msg_type)
    el(alert, "source", centre.name)
    if incident.is_public_alert:
        el(alert, "scope", "Public")
    else:
        el(alert, "scope", "Restricted")
        el(alert, "restriction", "Untuk instansi penanggap darurat / for emergency response agencies only")
    if msg_type in ("Update", "Cancel"):
        first = incident.created_at
        el(alert, "references", f"{sender},{_identifier(incident, first, 'Alert')},{_stamp(first, tz)}")
    el(alert, "incidents", incident.reference)

    urgency, severity, certainty = PRIORITY_TERMS.get(int(incident.priority), ("Unknown", "Unknown", "Unknown"))
    if closed:
        urgency = "Past"
    categories = cap_categories(incident.category)
    area_desc = _area_desc(incident)
    for language in ("id-ID", "en-US"):
        name = incident.category.name_id if language == "id-ID" else (incident.category.name_en or incident.category.name_id)
        info = el(alert, "info")
        el(info, "language", language)
        for cat in categories:
            el(info, "category", cat)
        el(info, "event", name)
        el(info, "responseType", "AllClear" if closed else "Avoid")
        el(info, "urgency", urgency)
        el(info, "severity", severity)
        el(info, "certainty", certainty)
        code = el(info, "eventCode")
        el(code, "valueName", "dispatch112:category")
        el(code, "value", incident.category.code)
        el(info, "effective", _stamp(sent, tz))
        el(info, "onset", _stamp(incident.created_at, tz))
        el(info, "senderName", centre.name)
        el(info, "headline", HEADLINE[language].format(category=name, place=_place(incident))[:160])
        text = STATUS_TEXT[language].get(incident.status, "")
        if include_description and incident.description:
            text = f"{incident.description}\n\n{text}"
        el(info, "description", text)
        el(info, "instruction", ALL_CLEAR[language] if closed else INSTRUCTION[language])
        if centre.phone:
            el(info, "contact", centre.phone)
        param = el(info, "parameter")
        el(param, "valueName", "priority")
        el(param, "value", f"P{incident.priority}")
        param = el(info, "parameter")
        el(param, "valueName", "status")
        el(param, "value", incident.status)
        area = el(info, "area")
        el(area, "areaDesc", area_desc[:500])
        radius_km = max((incident.location_accuracy_m or 0) / 1000.0, settings.CAP_MIN_RADIUS_KM)
        el(area, "circle", f"{incident.location.y:.5f},{incident.location.x:.5f} {radius_km:.2f}")
        for region, value_name in ((incident.regency, "KEMENDAGRI"), (incident.district, "KEMENDAGRI"), (incident.village, "KEMENDAGRI")):
            if region is not None:
                geocode = el(area, "geocode")
                el(geocode, "valueName", value_name)
                el(geocode, "value", region.code)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8")


def cap_atom_feed(incidents, *, feed_url, alert_url) -> bytes:
    """An Atom feed whose entries embed each alert (the format BMKG and Google Public Alerts read).

    `alert_url(incident)` gives each entry's link to the alert itself."""
    now = timezone.now()
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})

    def el(parent, name, text=None, **attrs):
        node = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", **attrs)
        if text is not None:
            node.text = str(text)
        return node

    el(feed, "id", f"urn:dispatch112:{settings.INTEROP_DOMAIN}:cap-feed")
    el(feed, "title", "112 — peringatan publik / public alerts (CAP 1.2)")
    el(feed, "updated", max([i.updated_at for i in incidents], default=now).isoformat(timespec="seconds"))
    el(feed, "link", href=feed_url, rel="self")
    author = el(feed, "author")
    el(author, "name", "112")
    for incident in incidents:
        alert_xml = incident_to_cap(incident, include_description=False)
        alert = etree.fromstring(alert_xml)
        entry = el(feed, "entry")
        el(entry, "id", f"urn:dispatch112:{alert.findtext(f'{{{CAP_NS}}}identifier')}")
        el(entry, "title", alert.findtext(f"{{{CAP_NS}}}info/{{{CAP_NS}}}headline"))
        el(entry, "updated", incident.updated_at.isoformat(timespec="seconds"))
        el(entry, "link", href=alert_url(incident), type=CAP_CONTENT_TYPE)
        content = el(entry, "content", type=CAP_CONTENT_TYPE)
        content.append(alert)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")
