"""Validate documents against the official interchange schemas kept in incidents/interop/schemas/.

The same checks as the standards kit's validate.py, with the project's own copy of the schemas:

    python -m incidents.interop.validate eido FILE.json   # NENA-STA-021 EIDO (JSON)
    python -m incidents.interop.validate cap FILE.xml     # OASIS CAP 1.2 (XML)

`validate_eido(document)` and `validate_cap(xml_bytes)` return a list of violation strings, empty
when the document conforms. Parsed schemas are cached per process (the EIDO YAML is 65 kB).
"""
import copy
import functools
import json
import pathlib
import sys

from lxml import etree

SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"
EIDO_SCHEMA = SCHEMAS / "eido" / "openapi.yaml"
CAP_SCHEMA = SCHEMAS / "cap" / "CAP-v1.2.xsd"


@functools.lru_cache(maxsize=1)
def _eido_validator():
    # Loaded on the first EIDO check, not at import: openapi_schema_validator brings jsonschema and its
    # referencing machinery, which every web and worker process would otherwise pay for at start-up.
    import yaml
    from openapi_schema_validator import OAS30Validator

    spec = yaml.safe_load(EIDO_SCHEMA.read_text(encoding="utf-8"))
    _fix_bounds(spec)
    root = dict(spec["components"]["schemas"]["EmergencyIncidentDataObjectType"])
    root["components"] = spec["components"]
    return OAS30Validator(root)


def _fix_bounds(node):
    """The published schema writes one minItems as the string '1,'; make bounds integers."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key in ("minItems", "maxItems", "minLength", "maxLength") and isinstance(value, str):
                digits = "".join(ch for ch in value if ch.isdigit())
                if digits:
                    node[key] = int(digits)
                else:
                    del node[key]
            else:
                _fix_bounds(value)
    elif isinstance(node, list):
        for item in node:
            _fix_bounds(item)


def validate_eido(document) -> list[str]:
    """Return a list of violation strings (empty when valid)."""
    if not isinstance(document, dict):
        return ["$: the EIDO must be a JSON object"]
    try:
        errors = list(_eido_validator().iter_errors(copy.deepcopy(document)))
    except Exception as exc:  # noqa: BLE001 — e.g. a component using the schema's unresolvable NIEM $refs
        return [f"$: cannot be checked against the schema ({type(exc).__name__}: {str(exc)[:200]})"]
    return [f"{e.json_path}: {e.message}" for e in errors]


@functools.lru_cache(maxsize=1)
def _cap_schema():
    return etree.XMLSchema(etree.parse(str(CAP_SCHEMA)))


def validate_cap(xml_bytes) -> list[str]:
    """Return a list of violation strings (empty when valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        doc = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = _cap_schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("eido", "cap"):
        print(__doc__)
        return 2
    path = pathlib.Path(argv[2])
    if argv[1] == "eido":
        errors = validate_eido(json.loads(path.read_text(encoding="utf-8")))
    else:
        errors = validate_cap(path.read_bytes())
    if errors:
        print("\n".join(errors))
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
