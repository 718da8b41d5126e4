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
