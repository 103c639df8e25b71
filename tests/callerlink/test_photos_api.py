"""The caller's photos (issue 24): re-encoded without EXIF/GPS/maker data, only images, bounded, served to staff only."""
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from incidents.models import CallerPhoto, TimelineEvent
from incidents.photos import MAX_SIDE
from tests.callerlink.conftest import client_for

pytestmark = pytest.mark.django_db

MAKER_NOTE = b"SAMSUNG-MAKERNOTE-SERIAL-R58M123456"


def jpeg_with_exif(size=(3000, 2000), colour=(200, 30, 30)) -> bytes:
    """A JPEG as a phone writes it: maker, model, serial, a maker note, the GPS position and an orientation."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "samsung"
    exif[ExifTags.Base.Model] = "SM-A155F"
    exif[ExifTags.Base.Software] = "A155FXXU1AXC1"
    exif[ExifTags.Base.Orientation] = 6  # turned: the stored image must come out upright
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.MakerNote] = MAKER_NOTE
    exif_ifd[ExifTags.Base.BodySerialNumber] = "R58M123456"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (2.0, 12.0, 34.56)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 55.0, 12.34)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90, comment=b"hello")
    data = out.getvalue()
    # the fixture really carries what must not survive
    assert MAKER_NOTE in data and b"samsung" in data
    back = Image.open(io.BytesIO(data)).getexif()
    assert back.get_ifd(ExifTags.IFD.GPSInfo) and back[ExifTags.Base.Make] == "samsung"
    return data


def png_bytes(size=(400, 300), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 128) if mode == "RGBA" else (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def upload(client, token, data, name="foto.jpg", content_type="image/jpeg"):
    return client.post(f"/api/v1/caller-links/{token}/photos/", {"photo": SimpleUploadedFile(name, data, content_type=content_type)},
                       format="multipart")


def test_a_photo_with_exif_maker_tags_and_gps_is_stored_without_them(anon, api, incident, sent_link):
    _link, token = sent_link
    # when the caller sends a phone photo
    response = upload(anon, token, jpeg_with_exif())
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"id", "width", "height", "received_at"}
    photo = CallerPhoto.objects.get()
    stored = default_storage.open(photo.image.name).read()
    # then what is stored is a fresh JPEG: no EXIF, no GPS, no maker note, no comment, no maker's name
    assert MAKER_NOTE not in stored and b"samsung" not in stored and b"SM-A155F" not in stored and b"hello" not in stored
    assert b"Exif" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and len(image.getexif()) == 0 and "icc_profile" not in image.info
    # upright (orientation 6 applied) and bounded to 2,048 px
    assert (image.width, image.height) == (photo.width, photo.height)
    assert image.height == MAX_SIDE and image.width in (1365, 1366)
    thumb = Image.open(io.BytesIO(default_storage.open(photo.thumbnail.name).read()))
    assert max(thumb.size) == 320 and len(thumb.getexif()) == 0
    # the timeline carries ids and sizes, never the image
    event = TimelineEvent.objects.get(kind="caller.photo")
    assert event.payload["caller_photo"] == {"id": photo.pk, "link": photo.link_id, "width": photo.width, "height": 2048,
                                             "received_at": event.payload["caller_photo"]["received_at"]}


@pytest.mark.parametrize("name, data, content_type", [
    ("peta.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
    ("shell.php", b"<?php system($_GET['c']); ?>", "image/jpeg"),
    ("shell.jpg", b"\xff\xd8\xff\xe0<?php echo 1; ?>", "image/jpeg"),
    ("page.html", b"<!doctype html><html><body>hi</body></html>", "text/html"),
    ("empty.jpg", b"", "image/jpeg"),
    ("truncated.jpg", None, "image/jpeg"),
    ("anim.gif", None, "image/gif"),
])
def test_anything_but_a_decodable_photo_is_400_invalid_image(anon, sent_link, name, data, content_type):
    _link, token = sent_link
    if name == "truncated.jpg":
        data = jpeg_with_exif(size=(200, 200))[:400]
    if name == "anim.gif":
        out = io.BytesIO()
        Image.new("P", (10, 10)).save(out, format="GIF")
        data = out.getvalue()
    response = upload(anon, token, data, name=name, content_type=content_type)
    assert response.status_code == 400, (name, response.content)
    error = response.json()["error"]
    assert error["code"] in ("invalid_image", "invalid") and "photo" in error["fields"]
    if data:
        assert error["code"] == "invalid_image"
    assert CallerPhoto.objects.count() == 0
    assert not default_storage.exists("caller-photos") or not any(default_storage.listdir("caller-photos")[1])


def test_a_jpeg_php_polyglot_is_refused(anon, sent_link):
    _link, token = sent_link
    # a real, decodable JPEG carrying a PHP page in its comment and after its end
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, format="JPEG", comment=b"<?php system($_GET['c']); ?>")
    polyglot = out.getvalue() + b"<?php echo 'owned'; ?>"
    assert Image.open(io.BytesIO(polyglot)).size == (64, 64)  # Pillow decodes it
    response = upload(anon, token, polyglot, name="kucing.jpg")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_image"
    assert CallerPhoto.objects.count() == 0


def test_png_with_transparency_and_webp_are_accepted(anon, sent_link):
    _link, token = sent_link
    assert upload(anon, token, png_bytes(), name="a.png", content_type="image/png").status_code == 201
    out = io.BytesIO()
    Image.new("RGB", (500, 400), (0, 200, 0)).save(out, format="WEBP")
    assert upload(anon, token, out.getvalue(), name="b.webp", content_type="image/webp").status_code == 201
    assert {p.original_format for p in CallerPhoto.objects.all()} == {"PNG", "WEBP"}


def test_heic_is_accepted(anon, sent_link):
    pillow_heif = pytest.importorskip("pillow_heif")
    _link, token = sent_link
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), (90, 90, 200))).save(out, quality=60)
    response = upload(anon, token, out.getvalue(), name="IMG_0001.HEIC", content_type="image/heic")
    assert response.status_code == 201, response.content
    photo = CallerPhoto.objects.get()
    assert photo.original_format in ("HEIF", "HEIC") and (photo.width, photo.height) == (640, 480)
    assert Image.open(default_storage.open(photo.image.name)).format == "JPEG"


def test_over_10_mb_is_413_before_the_body_is_parsed(anon, sent_link, monkeypatch):
    from incidents import photos

    _link, token = sent_link
    decoded = []
    monkeypatch.setattr("incidents.services.callerlink.clean_photo", lambda data: decoded.append(len(data)))
    big = b"\xff\xd8" + b"\0" * (10 * 1024 * 1024 + 100)
    response = upload(anon, token, big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "photo_too_large"
    assert decoded == [] and CallerPhoto.objects.count() == 0
    # a lying or missing Content-Length is caught while the upload streams in (the upload handler counts bytes)
    request_meta = {"CONTENT_LENGTH": "1000"}
    response = anon.post(
        f"/api/v1/caller-links/{token}/photos/", {"photo": SimpleUploadedFile("x.jpg", big, content_type="image/jpeg")},
        format="multipart", **request_meta,
    )
    assert response.status_code in (400, 413)
    assert decoded == [] and photos.MAX_UPLOAD_BYTES == 10 * 1024 * 1024


def test_a_decompression_bomb_is_refused(anon, sent_link):
    _link, token = sent_link
    # a small PNG file that would decode to 30,000 × 30,000 pixels (900 megapixels)
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 2 * 1024 * 1024
    response = upload(anon, token, out.getvalue(), name="bomb.png", content_type="image/png")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_image"


def test_ten_photos_per_link(anon, sent_link):
    _link, token = sent_link
    small = png_bytes(size=(20, 20), mode="RGB")
    codes = [upload(anon, token, small, name="p.png", content_type="image/png").status_code for _ in range(10)]
    assert codes == [201] * 10
    eleventh = upload(anon, token, small, name="p.png", content_type="image/png")
    assert eleventh.status_code == 429 and eleventh.json()["error"]["code"] in ("photo_limit", "throttled")
    assert CallerPhoto.objects.count() == 10


def test_photos_are_listed_for_staff_and_served_only_to_a_logged_in_user_in_scope(anon, api, incident, sent_link, smd_world, damkar_dispatcher):
    _link, token = sent_link
    upload(anon, token, jpeg_with_exif(size=(800, 600)))
    [row] = api.get(f"/api/v1/incidents/{incident.pk}/caller-photos/").json()
    assert {"id", "url", "width", "height", "received_at"} <= set(row)
    image = api.get(row["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg" and image["Cache-Control"].startswith("private")
    body = b"".join(image.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (600, 800)  # turned upright by its orientation tag
    thumb = api.get(row["thumbnail_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) == 320
    # nobody else: not logged in, another centre, an agency not on the incident
    assert anon.get(row["url"]).status_code in (401, 403)
    assert client_for(smd_world["call_taker"]).get(row["url"]).status_code == 404
    assert client_for(damkar_dispatcher).get(row["url"]).status_code == 404
    # and no public URL: the stored file is not under any static or media route
    photo = CallerPhoto.objects.get()
    assert anon.get("/media/" + photo.image.name).status_code == 404
