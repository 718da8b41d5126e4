"""Image files as documents and attachments: PNG, JPEG, TIFF (multi-page).

Pure module (no Flask, no database). ``inspect_image`` judges an upload by
its header before any pixel is decoded: a decompression bomb (more pixels
than the limit) and a TIFF with more pages than the limit are refused with a
422 naming the problem; a file that does not decode (a truncated JPEG) too.
``frames`` yields the pages upright (EXIF orientation applied) for OCR and
previews. ``strip_gps`` removes the GPS block from a JPEG's EXIF without
re-encoding the picture.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from app.errors import BadUpload


def _(message: str) -> str:  # marks a message for the catalogue; translated when shown
    return message


MEDIA_PNG = "image/png"
MEDIA_JPEG = "image/jpeg"
MEDIA_TIFF = "image/tiff"
IMAGE_TYPES = (MEDIA_PNG, MEDIA_JPEG, MEDIA_TIFF)
_FORMATS = {"PNG": MEDIA_PNG, "JPEG": MEDIA_JPEG, "MPO": MEDIA_JPEG, "TIFF": MEDIA_TIFF}
DEFAULT_MAX_PIXELS = 60_000_000  # a 300 dpi A3 scan is 17.4 M; a 48 MP camera 48 M
DEFAULT_MAX_FRAMES = 500
_GPS_IFD = 0x8825


def sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MEDIA_PNG
    if data.startswith(b"\xff\xd8\xff"):
        return MEDIA_JPEG
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return MEDIA_TIFF
    return None


@dataclass(frozen=True)
class ImageInfo:
    media_type: str
    width: int
    height: int
    frames: int


def _open(data: bytes):
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own limit below, per frame, with our own message
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise BadUpload(_("corrupt image: %(detail)s"), code="corrupt_image", detail=str(exc)) from None


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise BadUpload(
            _(
                "the image is %(width)s x %(height)s pixels, more than the %(limit)s million pixels "
                "allowed (possible decompression bomb)"
            ),
            code="image_too_large",
            width=width,
            height=height,
            limit=max_pixels // 1_000_000,
        )


def _count_frames(image, max_frames: int) -> int:
    """Frames of a (TIFF) image, counting no further than ``max_frames`` + 1."""
    count = 0
    try:
        while count <= max_frames:
            image.seek(count)
            count += 1
    except EOFError:
        pass
    return count


def frame_count(data: bytes, max_frames: int = 100_000) -> int:
    return max(1, _count_frames(_open(data), max_frames))


def inspect_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_frames: int = DEFAULT_MAX_FRAMES
) -> ImageInfo:
    """Type, size and page count of an image upload; BadUpload when hostile
    or unreadable. The first page is decoded in full (finds a truncated file)."""
    image = _open(data)
    media_type = _FORMATS.get(image.format or "")
    if media_type is None:
        raise BadUpload(
            _("unsupported image format %(format)s; upload PNG, JPEG or TIFF"),
            code="unsupported_image",
            format=image.format or "?",
        )
    width, height = image.size
    _check_pixels(width, height, max_pixels)
    frames = 1
    if media_type == MEDIA_TIFF:
        try:
            frames = _count_frames(image, max_frames)
        except (OSError, ValueError, SyntaxError) as exc:
            raise BadUpload(_("corrupt image: %(detail)s"), code="corrupt_image", detail=str(exc)) from None
        if frames > max_frames:
            raise BadUpload(
                _("the image has more than %(limit)s pages; split it into smaller files"),
                code="image_too_many_pages",
                limit=max_frames,
            )
        for index in range(frames):
            image.seek(index)
            _check_pixels(image.size[0], image.size[1], max_pixels)
        image.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except (OSError, ValueError, SyntaxError, MemoryError) as exc:
        raise BadUpload(_("corrupt image: %(detail)s"), code="corrupt_image", detail=str(exc)) from None
    return ImageInfo(media_type, width, height, frames)


def frames(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, start: int = 0
) -> Iterator[tuple[int, object]]:
    """(page index, upright RGB/L image) for each page from ``start``."""
    from PIL import ImageOps

    image = _open(data)
    index = start
    while True:
        try:
            image.seek(index)
        except EOFError:
            return
        _check_pixels(image.size[0], image.size[1], max_pixels)
        try:
            frame = ImageOps.exif_transpose(image.copy() if index else image)
            frame.load()
        except (OSError, ValueError, SyntaxError) as exc:
            raise BadUpload(
                _("corrupt image: page %(number)s: %(detail)s"),
                code="corrupt_image",
                number=index + 1,
                detail=str(exc),
            ) from None
        if frame.mode not in ("L", "RGB"):
            frame = frame.convert("RGB")
        yield index, frame
        index += 1


def has_gps(data: bytes) -> bool:
    image = _open(data)
    try:
        return bool(image.getexif().get_ifd(_GPS_IFD))
    except (AttributeError, KeyError, ValueError):
        return False


def strip_gps(data: bytes) -> bytes:
    """A JPEG's bytes without the GPS block of its EXIF; the picture itself
    (the compressed scan data) is copied unchanged. Other files unchanged."""
    if not data.startswith(b"\xff\xd8"):
        return data
    from PIL import Image

    out = bytearray(b"\xff\xd8")
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the rest is picture data
            break
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        segment = data[at : at + 2 + length]
        body = segment[4:]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            exif = Image.Exif()
            exif.load(body[6:])
            if _GPS_IFD in exif:
                del exif[_GPS_IFD]
                new_body = b"Exif\x00\x00" + exif.tobytes()
                segment = b"\xff\xe1" + (len(new_body) + 2).to_bytes(2, "big") + new_body
        out += segment
        at += 2 + length
    out += data[at:]
    return bytes(out)
