"""A caller's photo, made safe to keep: decoded with Pillow and re-encoded as a fresh JPEG.

Nothing of the uploaded file is stored as it came. The pixels are decoded and written again, so no EXIF (GPS
position, maker notes, the phone's serial), no ICC/XMP/comment block and no bytes after the image (a PHP or HTML
payload of a polyglot) survive; a file that is not a decodable JPEG, PNG, WebP or HEIC image is refused. Decoding is
bounded: a file over MAX_UPLOAD_BYTES is refused before it is read whole (the view checks Content-Length and the
upload handler counts bytes), an image over MAX_PIXELS before its pixels are decoded (a decompression bomb).

A leaf: Pillow and pillow-heif only, no model, no database.
"""
import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from dispatch.errors import ValidationFailed

try:  # HEIC/HEIF (iPhones' default format): pillow-heif registers itself as a Pillow opener.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover — the dependency is in pyproject.toml; without it HEIC is refused as undecodable
    HEIF_SUPPORTED = False

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The longest side stored: enough to read a house number or a licence plate, ~0.3–0.8 MB as JPEG.
MAX_SIDE = 2048
THUMB_SIDE = 320
JPEG_QUALITY = 85
# 200 megapixels: the largest phone sensors today; anything bigger is a decompression bomb, refused before decoding.
MAX_PIXELS = 200_000_000
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF", "HEIC"})
# Text that has no business inside a photo: the markers of a script/markup polyglot (a JPEG whose comment or tail
# is a PHP or HTML page). Refused outright, even though re-encoding would drop them, so the attempt is visible (400)
# rather than silently cleaned. Five bytes or more each: a shorter marker would turn up by chance in the compressed
# data of ordinary photos (about once in 10^4 photos of 2 MB for these).
POLYGLOT_MARKERS = (b"<?php", b"<script", b"<html", b"<!doctype", b"<iframe", b"<body", b"<svg ", b"<svg\n", b"<svg>")

# Pillow's own guard (it refuses past twice this, warns past it): ours is checked first, this is the backstop.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def invalid_image(message=None) -> ValidationFailed:
    message = message or _("Berkas ini bukan foto yang dapat dibaca (JPEG, PNG, HEIC atau WebP).")
    return ValidationFailed(message, code="invalid_image", fields={"photo": [message]})


@dataclass(frozen=True)
class CleanPhoto:
    image: bytes  # JPEG, longest side ≤ MAX_SIDE, no metadata
    thumbnail: bytes  # JPEG, longest side ≤ THUMB_SIDE
    width: int
    height: int
    original_format: str


def _looks_like_polyglot(head: bytes) -> bool:
    lowered = head.lower()
    return any(marker in lowered for marker in POLYGLOT_MARKERS)


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif=, no icc_profile=: the new file carries pixels only. optimize/progressive: smaller for slow links.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def clean_photo(data: bytes) -> CleanPhoto:
    """Decode `data` and re-encode it; raises ValidationFailed(code="invalid_image") for anything else."""
    if not data:
        raise invalid_image(_("Foto kosong."))
    if len(data) > MAX_UPLOAD_BYTES:  # the view refuses earlier with 413; this is the last guard
        raise invalid_image(_("Foto terlalu besar."))
    if _looks_like_polyglot(data):
        raise invalid_image()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            fmt = (image.format or "").upper()
            if fmt not in ACCEPTED_FORMATS:
                raise invalid_image()
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise invalid_image(_("Gambar terlalu besar untuk diproses."))
            if fmt in ("JPEG", "MPO"):
                # Decode a JPEG at a reduced scale when it is far bigger than what we keep: less memory and time.
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.load()
            # The phone's orientation tag turns the pixels; afterwards the tag (with the rest of EXIF) is dropped.
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, (255, 255, 255))
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            elif image.mode == "L":
                image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            # A brand-new image holding only the pixels: no info dict, no EXIF, no ICC profile carried over.
            pixels = Image.new("RGB", image.size)
            pixels.paste(image)
            full = _encode(pixels)
            thumb_image = pixels.copy()
            thumb_image.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
            thumb = _encode(thumb_image)
        except ValidationFailed:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise invalid_image() from None
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError, RuntimeError, TypeError):
            # truncated or corrupt data, an unsupported mode: not a photo we can use
            raise invalid_image() from None
    return CleanPhoto(image=full, thumbnail=thumb, width=pixels.width, height=pixels.height, original_format=fmt)
