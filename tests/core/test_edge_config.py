"""The deployment's edge (issue 28, item 2), read as the data it is (no Docker engine here): who may say who the
client is. docker-compose.yml's web processes take X-Forwarded-For only from nginx's fixed address, and every
proxying location of deploy/nginx.conf and of scripts/topology.sh's nginx *sets* the header to the address nginx
sees — with nginx's inheritance rule applied (a location that sets any proxy header inherits none from its server).
tests/core/test_login_proxy.py runs the topology's nginx for real.
"""
import ipaddress
import re
import subprocess

import yaml

from tests.support import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _default(value: str) -> str:
    """`${PROXY_IP:-172.30.112.10}` → its default."""
    match = re.fullmatch(r"\$\{(\w+):-([^}]*)\}", str(value).strip())
    return match.group(2) if match else str(value)


def test_the_web_processes_trust_forwarding_headers_only_from_nginx():
    services = COMPOSE["services"]
    nginx_ip = services["nginx"]["networks"]["default"]["ipv4_address"]
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(_default(nginx_ip)) in ipaddress.ip_network(_default(subnet))
    for name, service in services.items():
        if service.get("image") != "dispatch112:latest":
            continue
        allowed = service["environment"]["FORWARDED_ALLOW_IPS"]
        assert allowed == nginx_ip, (name, allowed)  # the same expression: one PROXY_IP for both
        assert "*" not in str(allowed)
    web = " ".join(services["web"]["command"])
    assert "--proxy-headers" in web and "--forwarded-allow-ips" not in web  # FORWARDED_ALLOW_IPS decides


def _parse(text: str):
    """A minimal nginx parser: [(directive, args, children or None)]."""
    text = re.sub(r"#[^\n]*", "", text)
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[{};]|[^\s{};]+', text)

    def block(i):
        out, words = [], []
        while i < len(tokens):
            tok = tokens[i]
            if tok == ";":
                out.append((words[0], words[1:], None))
                words = []
            elif tok == "{":
                children, i = block(i + 1)
                out.append((words[0], words[1:], children))
                words = []
            elif tok == "}":
                return out, i
            else:
                words.append(tok)
            i += 1
        return out, i

    return block(0)[0]


def _proxy_locations(tree, inherited=None):
    """(location args, effective proxy headers) of every location that proxies."""
    own = {args[0]: " ".join(args[1:]) for name, args, _c in tree if name == "proxy_set_header"}
    headers = own if own else dict(inherited or {})
    for name, args, children in tree:
        if children is None:
            continue
        if name == "location" and any(n == "proxy_pass" for n, _a, _c in children):
            loc_own = {a[0]: " ".join(a[1:]) for n, a, _c in children if n == "proxy_set_header"}
            yield " ".join(args), (loc_own if loc_own else headers)
        yield from _proxy_locations(children, headers)


def _check_edge(text: str, where: str):
    assert "$proxy_add_x_forwarded_for" not in text, where
    locations = list(_proxy_locations(_parse(text)))
    assert locations, where
    for location, headers in locations:
        assert headers.get("X-Forwarded-For") == "$remote_addr", (where, location, headers)
        assert "Host" in headers, (where, location, headers)
    return dict(locations)


def test_the_compose_nginx_sets_the_client_address_in_every_location():
    locations = _check_edge((ROOT / "deploy/nginx.conf").read_text(), "deploy/nginx.conf")
    assert {"= /healthz", "/ws/", "/"} <= set(locations)
    for location in ("/ws/", "/"):
        assert locations[location]["X-Forwarded-Proto"] == "https"


def test_the_topology_nginx_sets_the_client_address_in_every_location():
    text = subprocess.run(["bash", str(ROOT / "scripts/topology.sh"), "nginx-conf"], check=True, capture_output=True, text=True).stdout
    _check_edge(text, "scripts/topology.sh nginx-conf")
    args = subprocess.run(["bash", str(ROOT / "scripts/topology.sh"), "uvicorn-proxy-args"], check=True, capture_output=True, text=True).stdout
    assert args.split() == ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]


def test_the_parser_sees_nginx_inheritance():
    # a location that sets one header of its own inherits none of the server's: the old deploy/nginx.conf's "/"
    text = "server { proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr; " \
           "location / { proxy_pass http://a; proxy_set_header Connection \"\"; } }"
    [(location, headers)] = list(_proxy_locations(_parse(text)))
    assert location == "/" and "X-Forwarded-For" not in headers
