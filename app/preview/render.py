"""Preview files of one stored file. Pure module: no Flask, no database.

Writes into ``out`` (a folder named after the blob's sha256):
``thumb.png`` (the first page, at most 240 px wide), ``page-0001.png`` ...
(pages at about 110 dpi, at most ``max_pages``) and for DOCX ``doc.html``
(mammoth's HTML, sanitised with bleach: no script, no style, no link
targets but http(s) and mailto, images only as data: URIs). PDFs are
rendered by pdfium, images by Pillow (EXIF orientation applied), DOCX and
text files as their text drawn on a page.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

THUMB_WIDTH = 240
PAGE_WIDTH = 1000
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMAGES = ("image/png", "image/jpeg", "image/tiff")
TEXTS = ("text/plain", "text/markdown")
FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
ALLOWED_TAGS = [
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sup", "sub",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "img", "blockquote", "pre", "code",
]  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href"],
    "img": ["src", "alt"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan"],
}


class PreviewError(Exception):
    pass


def _fit(image, width: int):
    from PIL import Image

    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return image


def _save(image, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    (image if image.mode in ("L", "RGB") else image.convert("RGB")).save(tmp, format="PNG", optimize=True)
    os.replace(tmp, path)


@functools.lru_cache(maxsize=8)
def _font(size: int):
    """Loaded once per size and process: opening a CJK font collection
    costs more than drawing a page."""
    from PIL import ImageFont

    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def _wrapped_lines(text: str, font, room: float, max_lines: int) -> list[str]:
    """The text's lines broken to ``room`` pixels, at most ``max_lines``;
    each character measured once (a page repeats most of them)."""
    advances: dict[str, float] = {}
    lines: list[str] = []
    for paragraph in text.replace("\r", "").split("\n"):
        line: list[str] = []
        width = 0.0
        for ch in paragraph:
            advance = advances.get(ch)
            if advance is None:
                advance = advances[ch] = font.getlength(ch)
            if line and width + advance > room:
                lines.append("".join(line))
                if len(lines) >= max_lines:
                    return lines
                line, width = [], 0.0
            line.append(ch)
            width += advance
        lines.append("".join(line))
        if len(lines) >= max_lines:
            return lines
    return lines


def text_page(text: str, width: int = PAGE_WIDTH):
    """The start of a text drawn on an A4-shaped page (a DOCX or text file's look)."""
    from PIL import Image, ImageDraw

    height = int(width * 1.414)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = _font(max(12, width // 50))
    margin, line_height = width // 12, int(font.size * 1.5) if hasattr(font, "size") else 18
    fits = max(0, (height - 2 * margin) // line_height)
    # A line at a time, not a character at a time (issue 20: the text
    # previews of an upload burst took a third of a core).
    for number, line in enumerate(_wrapped_lines(text, font, width - 2 * margin, fits)):
        if line:
            draw.text((margin, margin + number * line_height), line, font=font, fill=0)
    return image


def _pdf_pages(path: Path, max_pages: int):
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise PreviewError(f"the PDF cannot be opened ({exc})") from None
    try:
        total = len(pdf)
        images = []
        for index in range(min(total, max_pages)):
            page = pdf[index]
            width, _height = page.get_size()
            scale = min(PAGE_WIDTH / max(width, 1), 4.0)
            images.append(page.render(scale=scale).to_pil())
            page.close()
        return images, total
    finally:
        pdf.close()


def sanitize_html(html: str) -> str:
    import bleach

    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=["http", "https", "mailto", "data"],
        strip=True,
        strip_comments=True,
    )
    cleaned = cleaner.clean(html)
    return cleaned


def docx_html(path: Path) -> str:
    import mammoth

    with open(path, "rb") as handle:
        result = mammoth.convert_to_html(handle)
    return sanitize_html(result.value)


def make(
    path: str | os.PathLike, media_type: str, out: Path, *, max_pages: int, text: str = ""
) -> tuple[int, int, bool]:
    """Write the previews of one file; (pages written, total pages, html written)."""
    path = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    html = False
    if media_type == PDF:
        images, total = _pdf_pages(path, max_pages)
    elif media_type in IMAGES:
        from app.documents.images import frame_count, frames

        data = path.read_bytes()
        total = frame_count(data)
        images = []
        for index, frame in frames(data):
            if index >= max_pages:
                break
            images.append(_fit(frame, PAGE_WIDTH))
    elif media_type == DOCX:
        body = docx_html(path)
        tmp = out / "doc.html.tmp"
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, out / "doc.html")
        html = True
        images, total = [text_page(text)], 1
    elif media_type in TEXTS:
        images, total = [text_page(text)], 1
    else:
        raise PreviewError(f"no preview for {media_type}")
    if not images:
        raise PreviewError("the file has no pages")
    _save(_fit(images[0], THUMB_WIDTH), out / "thumb.png")
    if media_type in (PDF, *IMAGES):
        for number, image in enumerate(images, start=1):
            _save(_fit(image, PAGE_WIDTH), out / f"page-{number:04d}.png")
        return len(images), total, html
    return 0, total, html


def highlighted_pdf_page(path: str | os.PathLike, index: int, terms: list[str]):
    """Page ``index`` of a PDF with a text layer, rendered like the preview,
    the places where ``terms`` occur painted over in translucent yellow."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        width, height = page.get_size()
        scale = min(PAGE_WIDTH / max(width, 1), 4.0)
        image = page.render(scale=scale).to_pil().convert("RGB")
        textpage = page.get_textpage()
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        found = 0
        for term in terms:
            if not term.strip():
                continue
            searcher = textpage.search(term, match_case=False)
            while (hit := searcher.get_next()) is not None:
                start, count = hit
                for char in range(start, start + count):
                    left, bottom, right, top = textpage.get_charbox(char)
                    draw.rectangle(
                        [left * scale, (height - top) * scale, right * scale, (height - bottom) * scale],
                        fill=(255, 230, 0, 110),
                    )
                found += 1
        return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"), found
    finally:
        pdf.close()
