"""OCR bench (issue 19): how well scanned pages are read, how fast, and
whether search still finds the scanned copy.

Pages: the real text PDFs of ../shared/corpus/pdf (English; the text layer
is the reference) rendered to 300 dpi images, and generated pages of
Traditional and Simplified Chinese (bench.corpus vocabulary) drawn at 300
dpi with the CJK font. Each page gets a little noise (Gaussian, sigma 12
grey levels, plus 0.2 % speckles) and a skew of 0.3 to 0.8 degrees, then
goes through the application's OCR (app.ocr.engine: Tesseract,
chi_tra+chi_sim+eng, one thread).

Reported per script: 1 - CER (character error rate, Levenshtein distance
over the reference length, whitespace removed on both sides), seconds per
page. Search: every document of the relevance set (tests/search_eval) is
scanned the same way and OCRed; the share of (query, relevant document)
pairs the original index finds that the index of the scanned copies still
finds.

    .venv/bin/python -m bench.ocr_bench [--pages-per-script 3] [--skip-search]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.ocr import engine

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "pdf"
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
LANGS = "chi_tra+chi_sim+eng"
DPI = 300
_SPACE = re.compile(r"\s+")


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, read: str, *, folded: bool = False) -> float:
    """Character error rate, whitespace removed. ``folded``: both sides as
    the search index sees them (Traditional and Simplified folded to one
    script, full-width forms to ASCII, lower case)."""
    ref, got = _SPACE.sub("", reference), _SPACE.sub("", read)
    if folded:
        from app.search.analysis import fold

        ref, got = fold(ref).lower(), fold(got).lower()
    return levenshtein(ref, got) / max(1, len(ref))


def scanned(image: Image.Image, rng: random.Random) -> Image.Image:
    """A little noise and skew, as a flatbed scan of a printed page."""
    import numpy as np

    grey = image.convert("L")
    angle = rng.choice((-1, 1)) * rng.uniform(0.3, 0.8)
    grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    pixels = np.asarray(grey, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 12, pixels.shape)
    pixels = pixels + noise
    speckles = np.random.default_rng(rng.randrange(1 << 30)).random(pixels.shape) < 0.002
    pixels[speckles] = 0
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def corpus_pages() -> list[tuple[str, Image.Image, str]]:
    """(name, 300 dpi image, reference text) of every page of the corpus's text PDFs."""
    import pypdfium2 as pdfium

    pages = []
    files = json.loads((CORPUS / "files.json").read_text())
    encrypted = {Path(f["path"]).name for f in files if f.get("encrypted")}
    for path in sorted(CORPUS.glob("*.pdf")):
        if path.name in encrypted:
            continue
        pdf = pdfium.PdfDocument(str(path))
        for index in range(len(pdf)):
            page = pdf[index]
            text = page.get_textpage().get_text_range()
            if len(_SPACE.sub("", text)) < 20:
                continue
            image = page.render(scale=DPI / 72, grayscale=True).to_pil()
            pages.append((f"{path.name} p.{index + 1}", image, text))
        pdf.close()
    return pages


def chinese_page(
    text: str, *, width_mm: float = 210, height_mm: float = 297, size_pt: float = 11
) -> Image.Image:
    """``text`` set on an A4 page at 300 dpi, 11 pt, with 25 mm margins."""
    px = DPI / 25.4
    width, height = int(width_mm * px), int(height_mm * px)
    font = ImageFont.truetype(FONT, int(size_pt * DPI / 72))
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin = int(25 * px)
    line_height = int(font.size * 1.6)
    x, y = margin, margin
    for ch in text:
        advance = draw.textlength(ch, font=font)
        if x + advance > width - margin:
            x, y = margin, y + line_height
        if y + line_height > height - margin:
            break
        draw.text((x, y), ch, font=font, fill=0)
        x += advance
    return image


def chinese_texts(script: str, count: int, seed: int = 19) -> list[str]:
    from bench.corpus import SIMP, TRAD, _chinese, _topic

    rng = random.Random(seed)
    vocab = TRAD if script == "Traditional" else SIMP
    return [_chinese(rng, vocab, 900, _topic(rng)) for _ in range(count)]


def fitted_text(text: str, image_text: str) -> str:
    """The part of ``text`` that fitted on the page (the reference)."""
    return text[: len(image_text)]


def ocr(image: Image.Image) -> tuple[str, float]:
    started = time.monotonic()
    text = engine.ocr_image(image, languages=LANGS, timeout_s=600, dpi=DPI)
    return text, time.monotonic() - started


def page_rows(pages_per_script: int, rng: random.Random, log) -> dict:
    results: dict[str, list[tuple[float, float, float]]] = {}
    english = corpus_pages()
    for name, image, reference in english:  # every page of the corpus with a text layer
        text, seconds = ocr(scanned(image, rng))
        results.setdefault("English (corpus PDFs)", []).append(
            (cer(reference, text), cer(reference, text, folded=True), seconds)
        )
        log(f"  {name}: CER {results['English (corpus PDFs)'][-1][0]:.3f}, {seconds:.1f} s")
    for script in ("Traditional", "Simplified"):
        for n, body in enumerate(chinese_texts(script, pages_per_script)):
            image = chinese_page(body)
            # The reference is what fitted: count the characters drawn.
            reference = body[: _drawn(body)]
            text, seconds = ocr(scanned(image, rng))
            results.setdefault(f"{script} Chinese (generated)", []).append(
                (cer(reference, text), cer(reference, text, folded=True), seconds)
            )
            log(
                f"  {script} page {n + 1}: CER {results[f'{script} Chinese (generated)'][-1][0]:.3f}, {seconds:.1f} s"
            )
    return results


def _drawn(text: str) -> int:
    """How many characters of ``text`` ``chinese_page`` fits on its page."""
    px = DPI / 25.4
    width, height = int(210 * px), int(297 * px)
    font = ImageFont.truetype(FONT, int(11 * DPI / 72))
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    margin = int(25 * px)
    line_height = int(font.size * 1.6)
    x, y, n = margin, margin, 0
    for ch in text:
        advance = draw.textlength(ch, font=font)
        if x + advance > width - margin:
            x, y = margin, y + line_height
        if y + line_height > height - margin:
            break
        x += advance
        n += 1
    return n


def search_share(rng: random.Random, log) -> tuple[float, int, int, float]:
    """Share of the relevance set's (query, relevant document) hits that the
    scanned copies still give; and OCR seconds per (short) page."""
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import AndGroup, QueryParser

    from app.search.analysis import analyzer
    from app.search.service import normalise_query
    from tests.search_eval.data import DOCS, QUERIES

    scanned_text = {}
    seconds = []
    for key, text in DOCS.items():
        image = chinese_page(text, height_mm=80)
        read, spent = ocr(scanned(image, rng))
        scanned_text[key] = read
        seconds.append(spent)
    log(f"  {len(DOCS)} relevance-set documents scanned and read")

    def build(texts: dict) -> object:
        schema = Schema(key=ID(stored=True), body=TEXT(analyzer=analyzer(), phrase=True))
        ix = whoosh_index.create_in(tempfile.mkdtemp(), schema)
        with ix.writer() as writer:
            for key, text in texts.items():
                writer.add_document(key=key, body=text)
        return ix

    def hits(ix, query: str) -> set[str]:
        parser = QueryParser("body", ix.schema, group=AndGroup)
        with ix.searcher() as searcher:
            return {h["key"] for h in searcher.search(parser.parse(normalise_query(query)), limit=10)}

    original, copies = build(DOCS), build(scanned_text)
    found = kept = 0
    for query, wanted in QUERIES:
        first = hits(original, query) & wanted
        found += len(first)
        kept += len(hits(copies, query) & first)
    return kept / max(1, found), kept, found, sum(seconds) / len(seconds)


def end_to_end(rng: random.Random, log) -> tuple[float, bool]:
    """Upload a 10-page scanned PDF through the application (temporary SQLite
    instance), run one worker until the job is done, search for a word of
    its last page. Seconds from the upload to the search finding it."""
    import io

    from app import create_app
    from app.auth import service as auth_service
    from app.documents import service as documents
    from app.extensions import db
    from app.ocr.service import work_once
    from app.search.indexer import drain
    from app.search.service import SearchArgs, search

    pages = corpus_pages()[:10]
    images = [scanned(image, rng).convert("RGB") for _, image, _ in pages]
    pdf = io.BytesIO()
    images[0].save(pdf, format="PDF", save_all=True, append_images=images[1:], resolution=DPI)
    word = max(re.findall(r"[A-Za-z]{7,}", pages[-1][2]), key=len)
    tmp = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite'}",
            "INSTANCE_DIR": str(tmp / "instance"),
            "STORAGE_DIR": str(tmp / "storage"),
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        db.create_all()
        auth_service.create_department("QA", "Quality")
        user = auth_service.create_user(
            "qa@bench.local", name="QA", department_code="QA", roles=["author"], password="bench password 1"
        )
        db.session.commit()
        started = time.monotonic()
        fields = documents.DocumentFields(
            title="Scanned delivery notes", category="quality", doc_type="inspection_report", department="QA"
        )
        document = documents.create_document(
            user, fields, documents.Upload(io.BytesIO(pdf.getvalue()), "scan.pdf")
        )
        db.session.commit()
        log(
            f"  10-page scan uploaded ({len(pdf.getvalue()) // 1024} KB) in {time.monotonic() - started:.1f} s"
        )
        doc_id = document.id
        while work_once(app.config) is not None:
            db.session.remove()
        drain(app.config)
        user = db.session.merge(user)
        found = any(i["id"] == doc_id for i in search(user, SearchArgs(q=word))["items"])
        return time.monotonic() - started, found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages-per-script", type=int, default=3)
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument(
        "--e2e", action="store_true", help="also time a 10-page scan from upload to searchable"
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    found = engine.availability("tesseract", LANGS)
    if not found.ok:
        sys.exit(f"OCR bench needs Tesseract with {LANGS}: {found.reason}")
    rng = random.Random(args.seed)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log(f"{found.version}; pages at {DPI} dpi with noise and 0.3-0.8 degree skew")
    results = page_rows(args.pages_per_script, rng, log)
    print(
        "| script | pages | 1 - CER | worst page 1 - CER | 1 - CER folded (as search sees it) | seconds per page |"
    )
    print("|---|---|---|---|---|---|")
    for script, rows in results.items():
        mean_cer = sum(c for c, _, _ in rows) / len(rows)
        worst = max(c for c, _, _ in rows)
        mean_folded = sum(f for _, f, _ in rows) / len(rows)
        per_page = sum(s for _, _, s in rows) / len(rows)
        print(
            f"| {script} | {len(rows)} | {1 - mean_cer:.3f} | {1 - worst:.3f} | {1 - mean_folded:.3f} | {per_page:.1f} |"
        )
    if not args.skip_search:
        share, kept, total, per_page = search_share(rng, log)
        print()
        print(
            f"Search relevance set: {kept} of {total} (query, relevant document) hits still found "
            f"in the scanned copies ({share:.1%}); {per_page:.1f} s per short page"
        )
    if args.e2e:
        seconds, found = end_to_end(rng, log)
        print()
        print(
            f"10-page scan (the corpus pages, 300 dpi, noise and skew): searchable {seconds:.0f} s after the "
            f"upload with one OCR worker (found: {found})"
        )


if __name__ == "__main__":
    main()
