"""Scanned paper made in the test: text rendered to images with Pillow and
the installed CJK font (fonts-wqy-zenhei), wrapped as an image-only PDF."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def tesseract_ready() -> bool:
    if shutil.which("tesseract") is None:
        return False
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    return all(lang in langs for lang in ("chi_tra", "chi_sim", "eng"))


needs_tesseract = pytest.mark.skipif(not tesseract_ready(), reason="tesseract with chi_tra, chi_sim, eng missing")


def page_image(lines: list[str], *, width: int = 1240, height: int = 620, size: int = 40, angle: float = 0.0):
    """A page of text at about 150 dpi (A4 width), black on white."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, size)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((80, 70 + row * int(size * 1.8)), line, font=font, fill=0)
    if angle:
        image = image.rotate(angle, expand=False, fillcolor=255)
    return image


def scanned_pdf(pages: list[list[str]], dpi: int = 150) -> bytes:
    """An image-only PDF (no text layer), one page per list of lines."""
    images = [page_image(lines).convert("RGB") for lines in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def image_bytes(lines: list[str], fmt: str = "PNG", **kwargs) -> bytes:
    out = io.BytesIO()
    image = page_image(lines)
    (image.convert("RGB") if fmt == "JPEG" else image).save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A real PNG of ``width`` x ``height`` white 1-bit pixels: a few hundred
    KB on disk, 2.5 billion pixels decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    rows_per_block = max(1, (4 * 1024 * 1024) // len(row))
    block = row * rows_per_block
    parts = []
    left = height
    while left > 0:
        n = min(left, rows_per_block)
        parts.append(packer.compress(block if n == rows_per_block else row * n))
        left -= n
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def many_page_tiff(pages: int = 10_000) -> bytes:
    """A valid little-endian TIFF of ``pages`` 1 x 1 bilevel pages (written
    directly: Pillow takes a minute to append 10,000 frames)."""
    import struct

    data_offset = 8
    first_ifd = 10  # header (8), one pixel byte, one pad byte
    entries = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 1), (259, 3, 1, 1), (262, 3, 1, 0),
               (273, 4, 1, data_offset), (278, 3, 1, 1), (279, 4, 1, 1)]
    ifd_size = 2 + 12 * len(entries) + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", first_ifd) + b"\xff\x00")
    for n in range(pages):
        out += struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            out += struct.pack("<HHI", tag, kind, count) + (struct.pack("<HH", value, 0) if kind == 3
                                                           else struct.pack("<I", value))
        following = first_ifd + (n + 1) * ifd_size if n + 1 < pages else 0
        out += struct.pack("<I", following)
    return bytes(out)


def photo_with_gps_and_orientation(lines: list[str]) -> bytes:
    """A camera-style JPEG: the picture stored turned on its side with EXIF
    Orientation 6 (viewers turn it upright) and a GPS position."""
    from PIL import Image

    upright = page_image(lines).convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "ACME Camera"
    gps = {1: "N", 2: (25.0, 2.0, 0.0), 3: "E", 4: (121.0, 33.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    stored.save(out, format="JPEG", exif=exif.tobytes(), quality=92)
    return out.getvalue()
