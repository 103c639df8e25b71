"""The caller link (issue 24): what a photo costs the server, and how fast a caller's fix reaches a console.

    .venv/bin/python bench/caller_link.py [--photos 20] [--fixes 100]

1. Photo re-encode (in-process, `incidents.photos.clean_photo`): phone-sized JPEGs (12 MP with EXIF, 4000×3000),
   a 1600 px JPEG (what the caller's page sends after shrinking on the phone), a PNG screenshot and a HEIC; ms per
   photo (p50/max) and the stored bytes. Decoding is CPU: this is the number that says how many photos a web worker
   handles per second.
2. Fix → console: a uvicorn server (2 workers) on the bench database, one staff WebSocket following the centre, and a
   phone posting `POST /api/v1/caller-links/<token>/positions/` once a second; time from the POST being sent to the
   `caller.position` event on the socket (p50/p95/max), with the POST's own answer time beside it.

Prints the machine, its load average and the tables (copy them into docs/performance.md).
"""
import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402


def photos_table(n):
    from PIL import ExifTags, Image, ImageFilter

    from incidents.photos import clean_photo

    def jpeg(size, exif=True, quality=90):
        # blurred noise: about as hard to compress as a phone photo (a 12 MP one comes out at 3–4 MB)
        image = Image.effect_noise(size, 60).convert("RGB").filter(ImageFilter.GaussianBlur(0.6))
        out = io.BytesIO()
        kw = {}
        if exif:
            e = Image.Exif()
            e[ExifTags.Base.Make] = "samsung"
            e[ExifTags.Base.Orientation] = 6
            kw["exif"] = e.tobytes()
        image.save(out, format="JPEG", quality=quality, **kw)
        return out.getvalue()

    cases = {"12 MP JPEG (phone camera, EXIF)": jpeg((4000, 3000)), "1600 px JPEG (shrunk by the caller's page)": jpeg((1600, 1200), exif=False, quality=80)}
    out = io.BytesIO()
    # a screenshot: flat areas and text-like stripes, not noise
    shot = Image.linear_gradient("L").resize((1080, 2400)).convert("RGB")
    for y in range(0, 2400, 48):
        shot.paste((30, 30, 30), (40, y, 1040, y + 6))
    shot.save(out, format="PNG")
    cases["1080×2400 PNG (screenshot)"] = out.getvalue()
    try:
        import pillow_heif

        out = io.BytesIO()
        pillow_heif.from_pillow(Image.effect_noise((4032, 3024), 60).convert("RGB").filter(ImageFilter.GaussianBlur(0.6))).save(out, quality=50)
        cases["12 MP HEIC (iPhone)"] = out.getvalue()
    except ImportError:
        pass
    rows = []
    for name, data in cases.items():
        times = []
        for _ in range(n):
            started = time.perf_counter()
            result = clean_photo(data)
            times.append((time.perf_counter() - started) * 1000)
        rows.append((name, len(data), statistics.median(times), max(times), len(result.image), len(result.thumbnail)))
    print("\n| photo | upload bytes | re-encode p50 | max | stored bytes | thumbnail bytes |")
    print("|---|---|---|---|---|---|")
    for name, size, p50, mx, stored, thumb in rows:
        print(f"| {name} | {size:,} | {p50:.0f} ms | {mx:.0f} ms | {stored:,} | {thumb:,} |")


async def fix_latency(base_url, cookie, token, n):
    import httpx
    import websockets

    ws_url = base_url.replace("http://", "ws://") + "/ws/events/"
    sent, got, answers = {}, {}, []
    async with websockets.connect(ws_url, additional_headers={"Cookie": cookie, "Origin": base_url}) as ws:
        async def reader():
            async for message in ws:
                event = json.loads(message)
                if event.get("kind") == "caller.position":
                    got[event["payload"]["caller_position"]["accuracy_m"]] = time.perf_counter()

        task = asyncio.create_task(reader())
        await asyncio.sleep(1.0)
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            for i in range(n):
                accuracy = 5 + i / 1000  # a unique key per fix
                sent[accuracy] = time.perf_counter()
                started = time.perf_counter()
                response = await client.post(f"/api/v1/caller-links/{token}/positions/",
                                             json={"lat": -2.21, "lon": 113.92, "accuracy_m": accuracy})
                answers.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 201, response.text
                await asyncio.sleep(1.0)
        await asyncio.sleep(2.0)
        task.cancel()
    latencies = sorted((got[k] - sent[k]) * 1000 for k in sent if k in got)
    lost = len(sent) - len(latencies)
    q = statistics.quantiles(latencies, n=20) if len(latencies) >= 20 else latencies
    p95 = q[18] if len(latencies) >= 20 else max(latencies)
    print("\n| fixes | POST answer p50 | fix → console p50 | p95 | max | lost |")
    print("|---|---|---|---|---|---|")
    print(f"| {n} | {statistics.median(answers):.0f} ms | {statistics.median(latencies):.0f} ms | {p95:.0f} ms | {max(latencies):.0f} ms | {lost} |")


DB = "bench_callerlink"
REDIS = "redis://127.0.0.1:6379/13"


def setup_world():
    """The bench centre, a staff user with a session, an incident and a caller link (Django set up on DB)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.test import Client

    from incidents.services import caller_link_send, incident_create
    from incidents.services.callerlink import link_token

    centre = common.bench_centre()
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench_ct_cl", defaults={"role": "call_taker", "command_centre": centre})
    incident, _ = incident_create(actor=user, category="kebakaran", location=Point(*common.PKY, srid=4326), caller_number="081200001111")
    link, _created, _url = caller_link_send(actor=user, base_url="http://bench", incident_id=incident.pk)
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return cookie, link_token(link.token_salt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--fixes", type=int, default=60)
    args = parser.parse_args()
    env = common.start_django_bench(DB, REDIS)
    photos_table(args.photos)
    # the live channel of this bench only (several servers may share this Redis)
    port = common.free_port()
    cookie, token = setup_world()
    from django.db import connection

    connection.close()
    log = open("/tmp/bench-caller-link-uvicorn.log", "w")
    server = common.spawn([sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                           "--workers", "2", "--no-access-log", "--ws-per-message-deflate", "false"], env=env, log=log)
    try:
        base = f"http://127.0.0.1:{port}"
        if not common.wait_http_ok(base + "/login/", 60):
            sys.exit("server did not start: /tmp/bench-caller-link-uvicorn.log")
        asyncio.run(fix_latency(base, cookie, token, args.fixes))
    finally:
        common.stop_processes([server])
        common.drop_database(DB)
    print(f"load average at end: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
