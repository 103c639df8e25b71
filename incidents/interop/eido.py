"""NENA-STA-021 Emergency Incident Data Object (EIDO, JSON): export an incident, read one back.

`incident_to_eido(incident)` builds a document that validates against the official schema
(incidents/interop/schemas/eido/openapi.yaml). `eido_to_incident_data(document)` is its inverse for
what an Incident holds; the import workflow itself (dedup, timeline) is a service:
incidents.services.interop.incident_import_eido.

Choices the schema leaves open (documented in docs/integrations.md):
- The incident tracking identifier (the document's `$id`) is
  `urn:emergency:uid:incidentid:<reference>:<centre domain>`, where the centre domain is
  `<centre code>.<settings.INTEROP_DOMAIN>`. An incident that came from another CAD keeps the
  sender's identifier, as EIDO requires one identifier per incident across agencies.
- Location is PIDF-LO by value (gml Point, or gs:Circle when the accuracy is known) with a
  civicAddress: A1 province, A2 regency/city, A3 district, A4 village, LOC the free-text address.
- The caller is a Person with role "Caller"; the number is a tel: URI in the Callback component,
  the name a vCard (RFC 7852 SubscriberInfo) in an Additional Data component — the schema's NIEM
  person type is an external reference no validator can resolve.
- incidentTypeCommonRegistryText uses the IANA "sos" service URN names (RFC 5031: sos.fire,
  sos.ambulance, sos.police, ...); our own category code and name always travel as the internal
  code and text, so a CAD of the same family maps back exactly.
"""
import html
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from lxml import etree

from incidents.models import Assignment, UnitDispatch

EIDO_VERSION = "1.0"

NS = {
    "pidf": "urn:ietf:params:xml:ns:pidf",
    "gp": "urn:ietf:params:xml:ns:pidf:geopriv10",
    "dm": "urn:ietf:params:xml:ns:pidf:data-model",
    "gml": "http://www.opengis.net/gml",
    "gs": "http://www.opengis.net/pidflo/1.0",
    "ca": "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr",
    "sub": "urn:ietf:params:xml:ns:EmergencyCallData:SubscriberInfo",
    "vcard": "urn:ietf:params:xml:ns:vcard-4.0",
}
EPSG_4326 = "urn:ogc:def:crs:EPSG::4326"
METRE = "urn:ogc:def:uom:EPSG::9001"

# Our agency types → the IANA urn:emergency:service:responder registry (prefix omitted, as EIDO asks).
RESPONDER_TYPES = {
    "fire": "fire",
    "ems": "ems",
    "police": "police",
    "public_order": "police.municipal",
    "sar": "mountain_rescue",
    "red_cross": "ems",
}
# Our agency types → an IANA urn:service:sos name for the incident type (RFC 5031).
SOS_BY_AGENCY_TYPE = {
    "fire": "sos.fire",
    "ems": "sos.ambulance",
    "red_cross": "sos.ambulance",
    "police": "sos.police",
    "public_order": "sos.police",
    "sar": "sos.marine",
}
# Words in a category's code or English name that pick a more precise sos service.
SOS_BY_WORD = [
    (("hewan", "ular", "tawon", "lebah", "animal", "snake", "wasp", "bee"), "sos.animal-control"),
    (("tenggelam", "drown", "perairan", "marine"), "sos.marine"),
    (("gas",), "sos.gas"),
    (("racun", "keracunan", "poison"), "sos.poison"),
    (("kebakaran", "fire"), "sos.fire"),
    (("medis", "ambulans", "medical", "ambulance", "kesehatan"), "sos.ambulance"),
    (("kriminal", "kamtibmas", "kdrt", "crime", "police", "violence"), "sos.police"),
]

STATUS_COMMON = {
    "new": "Pending",
    "routed": "Pending",
    "accepted": "Active",
    "dispatched": "Dispatched",
    "en_route": "Enroute",
    "on_scene": "OnScene",
    "resolved": "Resolved",
    "closed": "Closed",
    "cancelled": "Cancelled",
}
UNIT_STATUS_COMMON = {
    "available": "Available",
    "dispatched": "Dispatched",
    "en_route": "Enroute",
    "on_scene": "OnScene",
    "transporting": "Transporting",
    "at_hospital": "AtHospital",
    "out_of_service": "OutOfService",
}
UNIT_TYPE_COMMON = {
    "fire_engine": "Engine",
    "water_tanker": "Tanker",
    "rescue": "Rescue",
    "ambulance": "Ambulance",
    "patrol": "Patrol",
    "motorbike": "Motorcycle",
    "boat": "Boat",
    "truck": "Truck",
    "utility": "Utility",
    "other": "Other",
}
CALL_STATE = {"ringing": "callBegin", "active": "callAnswered", "ended": "callEnd"}
PRIORITY_CALL = {1: "highest", 2: "high", 3: "normal", 4: "low"}


# --- identifiers ----------------------------------------------------------------------------------

def centre_domain(centre) -> str:
    return f"{centre.code}.{settings.INTEROP_DOMAIN}"


def own_tracking_id(incident) -> str:
    return f"urn:emergency:uid:incidentid:{incident.reference}:{centre_domain(incident.command_centre)}"


def tracking_id(incident) -> str:
    """One identifier per incident across agencies: an imported incident keeps the sender's."""
    return incident.external_tracking_id or own_tracking_id(incident)


def parse_tracking_id(value: str) -> tuple[str, str] | None:
    """'urn:emergency:uid:incidentid:SMD-2026-000001:smd.example.id' → ('SMD-2026-000001', 'smd.example.id')."""
    match = re.fullmatch(r"urn:emergency:uid:incidentid:([^:]+):([^:]+)", value or "")
    return (match.group(1), match.group(2)) if match else None


def rfc3339(dt, tz) -> str | None:
    """RFC 3339 with the centre's own offset (+07:00 WIB, +08:00 WITA, +09:00 WIT)."""
    if dt is None:
        return None
    return timezone.localtime(dt, tz).isoformat(timespec="seconds")


def sos_type_for(category) -> str:
    words = f"{category.code} {category.name_en}".lower()
    for keys, sos in SOS_BY_WORD:
        if any(k in words for k in keys):
            return sos
    for agency_type in category.responsible_agency_types or []:
        if agency_type in SOS_BY_AGENCY_TYPE:
            return SOS_BY_AGENCY_TYPE[agency_type]
    return "sos"


def _note_html(text: str) -> str:
    return html.escape(text or "").replace("\n", "<br>")


def note_text(value: str) -> str:
    """A note's HTML5 back to plain text."""
    value = re.sub(r"<br\s*/?>", "\n", value or "", flags=re.I)
    value = re.sub(r"</p\s*>", "\n", value, flags=re.I)
    value = re.sub(r"<[^>]+>", "", value)
    return html.unescape(value).strip()


# --- PIDF-LO ------------------------------------------------------------------------------------

def pidf_lo(*, entity, point, accuracy_m=None, civic=None, method="Manual", at=None) -> str:
    """A PIDF-LO presence document for one point (or a circle when the accuracy is known)."""
    E = etree.Element
    presence = E(f"{{{NS['pidf']}}}presence", nsmap={None: NS["pidf"], **{k: v for k, v in NS.items() if k in ("gp", "dm", "gml", "gs", "ca")}})
    presence.set("entity", f"pres:{entity}")
    device = etree.SubElement(presence, f"{{{NS['dm']}}}device", id="location")
    geopriv = etree.SubElement(device, f"{{{NS['gp']}}}geopriv")
    info = etree.SubElement(geopriv, f"{{{NS['gp']}}}location-info")
    pos_text = f"{point.y:.6f} {point.x:.6f}"
    if accuracy_m:
        shape = etree.SubElement(info, f"{{{NS['gs']}}}Circle", srsName=EPSG_4326)
        etree.SubElement(shape, f"{{{NS['gml']}}}pos").text = pos_text
        radius = etree.SubElement(shape, f"{{{NS['gs']}}}radius", uom=METRE)
        radius.text = f"{float(accuracy_m):g}"
    else:
        shape = etree.SubElement(info, f"{{{NS['gml']}}}Point", srsName=EPSG_4326)
        etree.SubElement(shape, f"{{{NS['gml']}}}pos").text = pos_text
    if civic:
        address = etree.SubElement(info, f"{{{NS['ca']}}}civicAddress")
        address.set("{http://www.w3.org/XML/1998/namespace}lang", "id")
        for key in ("country", "A1", "A2", "A3", "A4", "LOC"):
            if civic.get(key):
                etree.SubElement(address, f"{{{NS['ca']}}}{key}").text = civic[key]
    etree.SubElement(geopriv, f"{{{NS['gp']}}}usage-rules")
    etree.SubElement(geopriv, f"{{{NS['gp']}}}method").text = method
    if at:
        etree.SubElement(device, f"{{{NS['dm']}}}timestamp").text = at
    return etree.tostring(presence, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def _safe_xml(text: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


CIVIC_PARTS = ("country", "A1", "A2", "A3", "A4", "A5", "A6", "PRD", "RD", "STS", "POD", "HNO", "HNS", "LMK", "LOC", "NAM", "PC")


def parse_pidf_lo(text: str) -> dict | None:
    """{'lat', 'lon', 'radius_m', 'address', 'method', 'civic'} from a PIDF-LO by value; None when it has neither a
    position nor a civic address. A civic address alone (RFC 5139/6848, as NENA's own sample sends) gives lat/lon
    None: the importer places it by the address and asks the call-taker to confirm the pin."""
    root = _safe_xml(text or "")
    if root is None:
        return None
    pos = root.find(".//gml:pos", NS)
    civic_el = root.find(".//ca:civicAddress", NS)
    lat = lon = None
    if pos is not None and (pos.text or "").split():
        try:
            lat, lon = (float(v) for v in pos.text.split()[:2])
        except ValueError:
            lat = lon = None
    if lat is None and civic_el is None:
        return None
    radius = root.find(".//gs:radius", NS)
    try:
        radius_m = float(radius.text) if radius is not None and radius.text else None
    except ValueError:
        radius_m = None
    address = ""
    civic = civic_el
    civic_parts = {}
    if civic is not None:
        for part in CIVIC_PARTS:
            value = (civic.findtext(f"ca:{part}", default="", namespaces=NS) or "").strip()
            if value:
                civic_parts[part] = value[:120]
        loc = civic.find("ca:LOC", NS)
        if loc is not None and (loc.text or "").strip():
            address = loc.text.strip()
        else:
            street = " ".join(civic_parts.get(k, "") for k in ("PRD", "RD", "STS", "POD")).strip()
            parts = [f"{street} {civic_parts.get('HNO', '')}".strip(), *(civic_parts.get(k, "") for k in ("A6", "A5", "A4", "A3", "A2", "A1"))]
            address = ", ".join(p for p in parts if p)
            if civic_parts.get("country") and civic_parts["country"].upper() != "ID":
                address = f"{address}, {civic_parts['country']}" if address else civic_parts["country"]
    if lat is None and not address:
        return None
    method = (root.findtext(".//gp:method", default="", namespaces=NS) or "").strip()
    return {"lat": lat, "lon": lon, "radius_m": radius_m, "address": address, "method": method, "civic": civic_parts}


def subscriber_info(*, reference, name, tel_uri) -> str:
    """RFC 7852 SubscriberInfo with a vCard: how the caller's name travels."""
    root = etree.Element(f"{{{NS['sub']}}}EmergencyCallData.SubscriberInfo", nsmap={"sub": NS["sub"]}, privacyRequested="false")
    etree.SubElement(root, f"{{{NS['sub']}}}DataProviderReference").text = reference
    data = etree.SubElement(root, f"{{{NS['sub']}}}SubscriberData")
    vcards = etree.SubElement(data, f"{{{NS['vcard']}}}vcards", nsmap={None: NS["vcard"]})
    vcard = etree.SubElement(vcards, f"{{{NS['vcard']}}}vcard")
    fn = etree.SubElement(vcard, f"{{{NS['vcard']}}}fn")
    etree.SubElement(fn, f"{{{NS['vcard']}}}text").text = name
    if tel_uri:
        tel = etree.SubElement(vcard, f"{{{NS['vcard']}}}tel")
        etree.SubElement(tel, f"{{{NS['vcard']}}}uri").text = tel_uri
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def vcard_name(text: str) -> str:
    root = _safe_xml(text or "")
    if root is None:
        return ""
    fn = root.find(".//vcard:fn/vcard:text", NS)
    return (fn.text or "").strip() if fn is not None else ""


def tel_uri(number: str) -> str:
    """RFC 3966: a global number as is, a national one with the Indonesian phone context."""
    number = re.sub(r"[ ]+", "-", (number or "").strip())
    if not number:
        return ""
    if number.startswith("+"):
        return f"tel:{number}"
    return f"tel:{number};phone-context=+62"


def number_from_uri(uri: str) -> str:
    """'tel:081234567890;phone-context=+62' → '081234567890'; sip:/other schemes → ''."""
    uri = (uri or "").strip()
    if not uri.lower().startswith("tel:"):
        return ""
    return uri[4:].split(";", 1)[0].strip()


# --- export ---------------------------------------------------------------------------------------

def incident_to_eido(incident) -> dict:
    """The incident as an EIDO 1.0 document (a dict ready for json.dumps)."""
    centre = incident.command_centre
    tz = ZoneInfo(centre.timezone)
    domain = centre_domain(centre)
    ref = incident.reference
    centre_ref = {"$ref": domain}
    updated = rfc3339(incident.updated_at or incident.created_at, tz)

    def prologue(component_id, when=None, agent=None):
        body = {"$id": component_id, "lastUpdateTimeStamp": when or updated, "updatedByAgencyReference": centre_ref}
        if agent:
            body["updatedByAgentReference"] = {"$ref": agent}
        return body

    def cid(kind, key=ref):
        return f"urn:emergency:uid:{kind}:{key}:{domain}"

    agencies = [
        {
            **prologue(domain),
            "agencyRoleDescriptionRegistryText": ["CallReceiving"],
            "agencyType": ["psap"],
            "incidentOwningAgencyIndicator": True,
        }
    ]
    agents, notes, locations, persons, callbacks, additional, calls, dispatches, resources = ([] for _ in range(9))

    agent_id = None
    if incident.created_by_id:
        agent_id = f"{incident.created_by.username}@{domain}"
        agents.append(
            {
                **prologue(agent_id, rfc3339(incident.created_at, tz)),
                "agentRoleRegistryText": ["Call Taking"],
                "agencyReference": centre_ref,
            }
        )

    # Location of the incident.
    civic = {
        "country": "ID",
        "A1": incident.regency.parent.name if incident.regency_id and incident.regency.parent_id else "",
        "A2": incident.regency.name if incident.regency_id else "",
        "A3": incident.district.name if incident.district_id else "",
        "A4": incident.village.name if incident.village_id else "",
        "LOC": incident.address,
    }
    location_id = cid("locationid")
    method = {"aml": "GPS", "coordinates": "Manual", "map": "Manual", "landmark": "Manual"}.get(incident.location_source, "Manual")
    locations.append(
        {
            **prologue(location_id),
            "locationTypeDescriptionRegistryText": "Incident",
            "locationByValue": pidf_lo(
                entity=f"{ref}@{domain}", point=incident.location, accuracy_m=incident.location_accuracy_m, civic=civic, method=method,
                at=rfc3339(incident.created_at, tz),
            ),
            "locationDescriptionText": incident.address or "",
            "localIdentifier": [incident.village_id or incident.district_id or incident.regency_id or ""],
        }
    )
    if not locations[0]["localIdentifier"][0]:
        del locations[0]["localIdentifier"]
    if not locations[0]["locationDescriptionText"]:
        del locations[0]["locationDescriptionText"]

    # The caller: a person, how to call them back, and their name as a vCard.
    person_refs = []
    calls_qs = list(incident.calls.select_related("call_taker").order_by("pk"))
    if incident.caller_number or incident.caller_name:
        person_id = cid("personid", f"{ref}-caller")
        callback_id = cid("callbackid", f"{ref}-caller")
        uri = tel_uri(incident.caller_number)
        callback = {**prologue(callback_id)}
        if uri:
            callback["callBackInformationUri"] = [uri]
        callbacks.append(callback)
        person = {
            **prologue(person_id),
            "personIncidentRoleRegistryText": ["Caller"],
            "callBackReference": {"$ref": callback_id},
        }
        if calls_qs:
            person["callIdentifier"] = [cid("callid", str(c.pk)) for c in calls_qs]
        if incident.caller_name:
            data_id = cid("additionaldataid", f"{ref}-caller")
            additional.append(
                {
                    **prologue(data_id),
                    "additionalDataByValue": subscriber_info(reference=data_id, name=incident.caller_name, tel_uri=uri),
                }
            )
            person["additionalDataReference"] = [{"$ref": data_id}]
        persons.append(person)
        person_refs.append({"$ref": person_id})

    # Calls, with the handset's own location (AML) when it came.
    for call in calls_qs:
        call_id = cid("callid", str(call.pk))
        start = call.ringing_at or call.answered_at or incident.created_at
        component = {
            **prologue(call_id, rfc3339(call.ended_at or call.answered_at or start, tz)),
            "standardPrimaryCallType": "emergency",
            "direction": "incoming",
            "callStartTimestamp": rfc3339(start, tz),
            "callStateRegistryText": CALL_STATE.get(call.status, "callEnd"),
            "priorityIdentifier": PRIORITY_CALL.get(incident.priority, "normal"),
        }
        if call.line:
            component["queueIdentifier"] = call.line
        if call.answered_at:
            component["answerDate"] = rfc3339(call.answered_at, tz)
        if call.call_taker_id:
            component["agentReference"] = [{"$ref": f"{call.call_taker.username}@{domain}"}]
            if not any(a["$id"] == component["agentReference"][0]["$ref"] for a in agents):
                agents.append(
                    {**prologue(component["agentReference"][0]["$ref"]), "agentRoleRegistryText": ["Call Taking"], "agencyReference": centre_ref}
                )
        if person_refs:
            component["personReference"] = person_refs
            component["callBackReference"] = persons[0]["callBackReference"]
        if call.device_location is not None:
            device_loc = cid("locationid", f"{ref}-call{call.pk}")
            locations.append(
                {
                    **prologue(device_loc, rfc3339(call.device_location_at, tz)),
                    "locationTypeDescriptionRegistryText": "Caller",
                    "locationByValue": pidf_lo(
                        entity=f"call{call.pk}@{domain}", point=call.device_location, accuracy_m=call.device_accuracy_m,
                        method="GPS", at=rfc3339(call.device_location_at, tz),
                    ),
                }
            )
            component["locationReference"] = [{"$ref": device_loc}]
        calls.append(component)

    # Description as the incident's note.
    incident_notes = []
    if incident.description:
        note_id = cid("noteid", f"{ref}-description")
        note = {**prologue(note_id, rfc3339(incident.created_at, tz)), "notesActionComments": _note_html(incident.description)}
        if agent_id:
            note["agentReference"] = {"$ref": agent_id}
        notes.append(note)
        incident_notes.append({"$ref": note_id})

    # Agencies the incident was offered to, one dispatch component per assignment, units as resources.
    assignments = list(Assignment.objects.filter(incident=incident).select_related("agency", "agency__command_centre").order_by("offered_at", "pk"))
    dispatch_units = {}
    for ud in UnitDispatch.objects.filter(assignment__incident=incident).select_related("unit").order_by("dispatched_at", "pk"):
        dispatch_units.setdefault(ud.assignment_id, []).append(ud)
    seen_agencies = {domain}
    for a in assignments:
        agency_id = f"agency{a.agency_id}.{centre_domain(a.agency.command_centre)}"
        if agency_id not in seen_agencies:
            seen_agencies.add(agency_id)
            agencies.append(
                {
                    **prologue(agency_id),
                    "agencyRoleDescriptionRegistryText": ["Responding"],
                    "agencyType": [RESPONDER_TYPES.get(a.agency.type, a.agency.type)],
                    "incidentOwningAgencyIndicator": False,
                }
            )
        when = a.completed_at or a.handed_off_at or a.declined_at or a.expired_at or a.cancelled_at or a.accepted_at or a.offered_at
        note_id = cid("noteid", f"{ref}-assignment{a.pk}")
        status_line = f"{a.agency}: {a.get_status_display()} ({a.status})"
        if a.reason:
            status_line += f" — {a.reason}"
        notes.append({**prologue(note_id, rfc3339(when, tz)), "notesActionComments": _note_html(status_line)})
        dispatch = {
            **prologue(cid("dispatchid", f"{ref}-assignment{a.pk}"), rfc3339(when, tz)),
            "agencyReference": {"$ref": agency_id},
            "notesReference": [{"$ref": note_id}],
        }
        unit_refs = []
        for ud in dispatch_units.get(a.pk, []):
            unit = ud.unit
            resource_id = f"unit{unit.pk}.{agency_id}"
            unit_refs.append({"$ref": resource_id})
            status = unit.status if ud.released_at is None else "available"
            resources.append(
                {
                    **prologue(resource_id, rfc3339(ud.released_at or ud.on_scene_at or ud.en_route_at or ud.dispatched_at, tz)),
                    "emergencyResourceTypeCommonRegistryText": UNIT_TYPE_COMMON.get(unit.type, "Other"),
                    "emergencyResourceTypeInternalText": unit.type,
                    "resourceAttributeRegistryText": list(unit.capabilities or []),
                    "emergencyResourceName": unit.call_sign,
                    "primaryUnitStatusRegistryText": UNIT_STATUS_COMMON.get(status, "Other"),
                    "secondaryUnitStatusRegistryText": [],
                    "unitStatusInternal": [status],
                    "agentReference": [],
                }
            )
        if unit_refs:
            dispatch["emergencyResourceReference"] = unit_refs
        dispatches.append(dispatch)

    incident_component = {
        **prologue(cid("incidentcomponentid")),
        "incidentTypeCommonRegistryText": sos_type_for(incident.category),
        "incidentTypeInternalCode": incident.category.code,
        "incidentTypeInternalText": incident.category.name_id,
        "incidentStatusCommonRegistryText": [STATUS_COMMON.get(incident.status, "Active")],
        "incidentStatusInternalText": [incident.status],
        "internalIncidentId": ref,
        "incidentPriorityInternalText": f"P{incident.priority}",
        "incidentCommonPriorityNumber": int(incident.priority),
        "locationReference": [{"$ref": location_id}],
    }
    if incident.district_id:
        incident_component["beatOrDispatchGroupText"] = incident.district.name
    if agent_id:
        incident_component["agentReference"] = [{"$ref": agent_id}]
    if person_refs:
        incident_component["personReference"] = person_refs
    if incident_notes:
        incident_component["notesReference"] = incident_notes
    if incident.status in ("closed", "cancelled", "resolved"):
        incident_component["dispositionComponent"] = [
            {
                **prologue(cid("dispositionid"), rfc3339(incident.closed_at or incident.resolved_at or incident.updated_at, tz)),
                "dispositionCommonRegistryCode": STATUS_COMMON[incident.status],
                "dispositionPrimaryIndicator": True,
                "dispositionDescriptionText": incident.get_status_display(),
            }
        ]

    document = {
        **prologue(tracking_id(incident), agent=agent_id),
        "eidoVersion": EIDO_VERSION,
        "issuingElementIdentification": f"cad.{domain}",
        "incidentComponent": incident_component,
        "agencyComponent": agencies,
        "locationComponent": locations,
        "@context": {"@vocab": "./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld"},
    }
    for key, items in (
        ("callComponent", calls),
        ("callbackComponent", callbacks),
        ("dispatchComponent", dispatches),
        ("notesComponent", notes),
        ("emergencyResourceComponent", resources),
        ("agentComponent", agents),
        ("additionalDataComponent", additional),
        ("personComponent", persons),
    ):
        if items:
            document[key] = items
    return document


# --- import ---------------------------------------------------------------------------------------

class EidoProblem(ValueError):
    """The document is schema-valid but lacks what an incident needs (e.g. a position by value)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def _by_id(document, key) -> dict:
    return {c.get("$id"): c for c in document.get(key) or [] if isinstance(c, dict)}


def _refs(component, key) -> list[str]:
    value = component.get(key) if isinstance(component, dict) else None
    if isinstance(value, dict):
        value = [value]
    return [r.get("$ref") for r in value or [] if isinstance(r, dict) and r.get("$ref")]


def eido_to_incident_data(document: dict) -> dict:
    """What an Incident needs, read from a schema-valid EIDO.

    Returns {tracking_id, category_code, category_text, sos_type, priority, lat, lon, accuracy_m, address,
    description, caller_number, caller_name, sender_agency, updated, links, merges}. Raises EidoProblem."""
    incident = document.get("incidentComponent") or {}
    locations = _by_id(document, "locationComponent")
    notes = _by_id(document, "notesComponent")
    persons = _by_id(document, "personComponent")
    callbacks = _by_id(document, "callbackComponent")
    extra = _by_id(document, "additionalDataComponent")

    # Location: the incident's own first, then any location given by value.
    candidates = [locations[r] for r in _refs(incident, "locationReference") if r in locations] + list(locations.values())
    # Location: a position wins; a civic address alone is kept as the fallback (placed by name, pin to confirm).
    place = None
    for loc in candidates:
        if loc.get("locationByValue"):
            found = parse_pidf_lo(loc["locationByValue"])
            if found is None:
                continue
            if not found["address"]:
                found["address"] = (loc.get("locationDescriptionText") or "").strip()
            if found["lat"] is not None:
                place = found
                break
            place = place or found
    if place is None:
        raise EidoProblem(
            "locationComponent",
            "The EIDO carries neither a position nor a civic address by value (PIDF-LO); a location by reference cannot "
            "be dereferenced here.",
        )

    note_refs = _refs(incident, "notesReference")
    description = "\n\n".join(note_text(notes[r].get("notesActionComments", "")) for r in note_refs if r in notes).strip()

    # The caller: a person with role Caller (the incident's persons first).
    person_ids = _refs(incident, "personReference") + list(persons)
    caller = next(
        (persons[p] for p in person_ids if p in persons and any(str(r).lower() == "caller" for r in persons[p].get("personIncidentRoleRegistryText") or [])),
        None,
    )
    caller_number = caller_name = ""
    if caller is not None:
        for cb_ref in _refs(caller, "callBackReference"):
            for uri in (callbacks.get(cb_ref) or {}).get("callBackInformationUri") or []:
                caller_number = number_from_uri(uri)
                if caller_number:
                    break
        for data_ref in _refs(caller, "additionalDataReference"):
            caller_name = vcard_name((extra.get(data_ref) or {}).get("additionalDataByValue", ""))
            if caller_name:
                break

    priority = incident.get("incidentCommonPriorityNumber")
    if not (isinstance(priority, int) and 1 <= priority <= 4):
        match = re.fullmatch(r"\s*P?([1-4])\s*", str(incident.get("incidentPriorityInternalText") or ""))
        priority = int(match.group(1)) if match else None

    return {
        "tracking_id": document.get("$id", ""),
        "category_code": (incident.get("incidentTypeInternalCode") or "").strip(),
        "category_text": (incident.get("incidentTypeInternalText") or "").strip(),
        "sos_type": (incident.get("incidentTypeCommonRegistryText") or "").strip(),
        "priority": priority,
        "lat": place["lat"],
        "lon": place["lon"],
        "civic": place.get("civic") or {},
        "accuracy_m": place["radius_m"],
        "address": place["address"][:255],
        "description": description[:4000],
        "caller_number": caller_number[:32],
        "caller_name": caller_name[:120],
        "sender_agency": (document.get("updatedByAgencyReference") or {}).get("$ref", ""),
        "sender_internal_id": incident.get("internalIncidentId", ""),
        "updated": document.get("lastUpdateTimeStamp", ""),
        "links": [
            {
                "tracking_id": link.get("incidentTrackingIdentifier"),
                "direction": link.get("linkDirectionCode"),
                "reason": link.get("transactionReasonText", ""),
            }
            for link in document.get("linkComponent") or []
            if isinstance(link, dict)
        ],
        "merges": [
            {"tracking_id": merge.get("incidentTrackingIdentifier"), "direction": merge.get("incidentMergeDirectionCode")}
            for merge in document.get("mergeComponent") or []
            if isinstance(merge, dict)
        ],
    }
