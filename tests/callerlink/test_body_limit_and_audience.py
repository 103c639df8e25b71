"""An over-size photo is refused before its body is read (a real ASGI server), and who hears the caller.* events."""
import http.client
import socket
import time

import pytest
from django.db import connection

from dispatch.body_limit import BodyLimitMiddleware
from dispatch.errors import PayloadTooLarge
from incidents.api.caller_public import _BoundedUploadHandler
from incidents.models import TimelineEvent
from incidents.photos import MAX_UPLOAD_BYTES
from incidents.selectors import events_after
from incidents.services import caller_link_send, caller_message_receive, caller_position_receive, incident_route
from incidents.services.callerlink import link_token
from tests import factories as f


def test_the_upload_handler_stops_at_10_mb_whatever_content_length_said():
    handler = _BoundedUploadHandler()
    chunk = b"\0" * (1024 * 1024)
    for _ in range(10):
        assert handler.receive_data_chunk(chunk, 0) == chunk
    with pytest.raises(PayloadTooLarge):
        handler.receive_data_chunk(b"\0", 0)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_server_refuses_an_over_size_photo_before_reading_its_body(asgi_process, make_incident, call_taker):
    incident = make_incident()
    link, _created, _url = caller_link_send(actor=call_taker, base_url="http://x", incident_id=incident.pk)
    path = f"/api/v1/caller-links/{link_token(link.token_salt)}/photos/"
    # a declared 50 MB upload: the answer comes before a single byte of the body is sent
    conn = http.client.HTTPConnection("127.0.0.1", asgi_process.port, timeout=10)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(50 * 1024 * 1024))
    conn.endheaders()
    started = time.monotonic()
    response = conn.getresponse()
    assert response.status == 413 and b"body_too_large" in response.read()
    assert time.monotonic() - started < 5
    conn.close()
    # a chunked body (no Content-Length) is counted as it streams and cut off past the ceiling
    sock = socket.create_connection(("127.0.0.1", asgi_process.port), timeout=20)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    piece = b"\0" * (256 * 1024)
    sent = 0
    answer = b""
    try:
        while sent < 12 * 1024 * 1024:
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
    except OSError:
        pass  # the server answered and closed the connection
    sock.settimeout(10)
    try:
        answer = sock.recv(4096)
    except OSError:
        pass
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent <= MAX_UPLOAD_BYTES + 2 * 1024 * 1024 or answer
    connection.close()


def test_the_middleware_is_in_front_of_django():
    from dispatch.asgi import application

    assert isinstance(application.application_mapping["http"], BodyLimitMiddleware)


@pytest.mark.django_db
def test_caller_events_reach_the_centre_and_assigned_agencies_never_crews_or_volunteers(make_incident, call_taker, damkar,
                                                                                      damkar_dispatcher):
    from volunteers.models import CallOut

    incident = make_incident()
    incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    community = f.CommunityFactory(command_centre=incident.command_centre)
    CallOut.objects.create(incident=incident, community=community, needed=1, sent_at=incident.created_at, sent_by=call_taker)
    volunteer = f.UserFactory(role="volunteer", username="rel_cl", command_centre=None, community=community)
    crew = f.crew(f.UnitFactory(agency=damkar, call_sign="DMK-CL-9"), username="crew_cl9")
    link, _created, _url = caller_link_send(actor=call_taker, base_url="http://x", incident_id=incident.pk)
    token = link_token(link.token_salt)
    caller_position_receive(token=token, lat=-2.21, lon=113.92, accuracy_m=5)
    caller_message_receive(token=token, text="tolong")
    kinds = {"caller.link_sent", "caller.link_opened", "caller.position", "caller.message"}
    for event in TimelineEvent.objects.filter(kind__in=kinds):
        assert event.community_ids == [] and damkar.pk in event.agency_ids and incident.command_centre_id in event.centre_ids
    seen = {e.kind for e in events_after(damkar_dispatcher, 0, 1000)}
    assert kinds <= seen
    # the community follows the incident (it hears its other news), never the caller's
    from incidents.services import incident_update

    incident_update(incident_id=incident.pk, actor=call_taker, description="Api membesar")
    volunteer_kinds = {e.kind for e in events_after(volunteer, 0, 1000)}
    assert "incident.updated" in volunteer_kinds and not volunteer_kinds & kinds
    assert not {e.kind for e in events_after(crew, 0, 1000)} & kinds
