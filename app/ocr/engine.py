"""Pages to text with Tesseract. Pure module: no Flask, no database.

Pages come from a PDF (rendered by pdfium at the OCR resolution) or from an
image file (every frame of a TIFF). Tesseract runs as a child process per
page with a time limit and one thread (the web workers share the machine).
The text of page N is the N-th part of the result when split at form feeds
("\\f"), so a hit's page is the number of form feeds before it plus one.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PAGE_BREAK = "\f"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/tiff")
PDF = "application/pdf"
OCR_TYPES = (PDF, *IMAGE_TYPES)

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# Tesseract puts a space between Chinese characters it read one by one.
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class OcrError(Exception):
    """A page or file that cannot be read; the message is the job's reason."""


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str  # "" when ok
    version: str = ""


@functools.lru_cache(maxsize=8)
def availability(binary: str = "tesseract", languages: str = "chi_tra+chi_sim+eng") -> Availability:
    """Whether Tesseract and every wanted language are installed (cached per process)."""
    path = shutil.which(binary)
    if path is None:
        return Availability(False, f"{binary} is not installed")
    try:
        out = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=30)
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return Availability(False, f"{binary} does not run: {exc}")
    installed = set(out.stdout.split()) | set(out.stderr.split())
    missing = [lang for lang in languages.split("+") if lang not in installed]
    if missing:
        return Availability(False, f"language data missing: {', '.join(missing)}")
    first = (version.stdout or version.stderr).splitlines()
    return Availability(True, "", first[0] if first else "")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", _CONTROLS.sub("", text.replace("\r", "")))
    text = _SPACE_IN_CJK.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    # Tesseract separates blocks by blank lines; more than one is noise.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def page_count(path: str | os.PathLike, media_type: str) -> int:
    if media_type == PDF:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise OcrError(f"the PDF cannot be opened ({exc})") from None
        try:
            return len(pdf)
        finally:
            pdf.close()
    from app.documents import images

    return images.frame_count(Path(path).read_bytes())


def pages(
    path: str | os.PathLike, media_type: str, *, dpi: int, max_pixels: int, start: int = 0
) -> Iterator[tuple[int, object]]:
    """(page index, PIL image) from ``start`` on; PDF pages rendered at
    ``dpi`` but never more than ``max_pixels`` pixels."""
    if media_type == PDF:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise OcrError(f"the PDF cannot be opened ({exc})") from None
        try:
            for index in range(start, len(pdf)):
                page = pdf[index]
                width, height = page.get_size()  # points
                scale = dpi / 72
                if width * height * scale * scale > max_pixels:
                    scale = (max_pixels / (width * height)) ** 0.5
                bitmap = page.render(scale=scale, grayscale=True)
                image = bitmap.to_pil()
                page.close()
                yield index, image
        finally:
            pdf.close()
        return
    from app.documents import images

    yield from images.frames(Path(path).read_bytes(), max_pixels=max_pixels, start=start)


def _tesseract(source: Path, languages: str, *, timeout_s: float, binary: str) -> tuple[str, float]:
    """(text, mean word confidence) of one run."""
    base = source.with_name(f"out-{languages.replace('+', '-')}")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [binary, str(source), str(base), "-l", languages, "--psm", "3", "txt", "tsv"],
            capture_output=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"Tesseract did not finish a page within {timeout_s:g} s") from None
    except OSError as exc:
        raise OcrError(f"Tesseract could not be started ({exc})") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"Tesseract failed ({detail[-1] if detail else done.returncode})")
    text = Path(f"{base}.txt").read_text(encoding="utf-8", errors="replace")
    confidences = []
    for row in Path(f"{base}.tsv").read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[11].strip():
            try:
                confidences.append(float(cells[10]))
            except ValueError:
                continue
    return clean(text), (sum(confidences) / len(confidences) if confidences else 0.0)


@functools.lru_cache(maxsize=1)
def _converters():
    import opencc

    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def script_counts(text: str) -> tuple[int, int, int]:
    """(Chinese characters, Traditional-only ones, Simplified-only ones)."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    t2s, s2t = _converters()
    traditional = sum(1 for ch in han if t2s.convert(ch) != ch)
    simplified = sum(1 for ch in han if s2t.convert(ch) != ch)
    return len(han), traditional, simplified


def mixed_scripts(text: str, threshold: float = 0.03) -> bool:
    """Both Traditional-only and Simplified-only characters, each at least
    ``threshold`` of the Chinese characters: Tesseract with both Chinese
    models drifts into the other script's glyphs on part of a page."""
    han, traditional, simplified = script_counts(text)
    return han >= 20 and min(traditional, simplified) >= threshold * han


def ocr_image(image, *, languages: str, timeout_s: float, binary: str = "tesseract", dpi: int = 300) -> str:
    """The text Tesseract reads on one page image. When the page comes out
    in a mix of Traditional and Simplified glyphs (the two models compete for
    the characters both scripts share, and the page drifts into the other
    script), it is read again with the script most of its script-specific
    characters are in, alone."""
    with tempfile.TemporaryDirectory(prefix="doctrack-ocr-") as tmp:
        source = Path(tmp) / "page.png"
        image.save(source, format="PNG", dpi=(dpi, dpi))
        text, _confidence = _tesseract(source, languages, timeout_s=timeout_s, binary=binary)
        models = languages.split("+")
        if "chi_tra" in models and "chi_sim" in models and mixed_scripts(text):
            _han, traditional, simplified = script_counts(text)
            script = "chi_sim" if simplified >= traditional else "chi_tra"
            alone = "+".join([script, *(m for m in models if m not in ("chi_tra", "chi_sim"))])
            text, _confidence = _tesseract(source, alone, timeout_s=timeout_s, binary=binary)
    return text


def image_bytes_to_png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
