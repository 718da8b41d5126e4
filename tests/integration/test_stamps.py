"""Controlled copies: every page of a downloaded PDF stamped (number,
revision, state, who and when, uncontrolled when printed), DOCX files not
in force stamped in their headers, the original unstamped for the owning
department and admins."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD as PW

DATA = Path(__file__).resolve().parents[1] / "data"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                   reason="needs poppler-utils (pdftotext, pdftoppm)")


@pytest.fixture
def team(make_user):
    return {"author": make_user("author", "RD", name="Lin Wei"), "head": make_user("dept_head", "RD"),
            "leader": make_user("leader", "MGMT"), "admin": make_user("admin", "IT"),
            "reader": make_user("qc", "QC", name="Chen QC")}


def pdf_text(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, "-layout", str(source), "-"], capture_output=True, check=True,
                          text=True).stdout


def red_pixels_in_top_band(data: bytes, tmp_path: Path) -> int:
    from PIL import Image

    source = tmp_path / "render.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
                   check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    raw = image.crop((0, 0, image.width, 45)).tobytes()  # the top 0.45 inch
    return sum(1 for i in range(0, len(raw), 3) if raw[i] > 140 and raw[i + 1] < 110 and raw[i + 2] < 110)


@needs_poppler
def test_every_page_of_a_pdf_is_stamped_with_state_reader_and_time(api_as, team, make_document, tmp_path):
    original = (DATA / "pdflatex-4-pages.pdf").read_bytes()
    document = make_document(team["author"], content=original, filename="manual.pdf")
    url = f"/documents/{document.id}/versions/1/file"
    draft = api_as(team["author"]).get(url)
    assert draft.status_code == 200 and draft.headers["X-Stamped"] == "true"
    assert draft.headers["X-Original-SHA256"] == document.versions[0].sha256
    for page in range(1, 5):
        text = pdf_text(draft.data, tmp_path, page)
        assert "RD-MAN-0001 Rev A" in text and "DRAFT – NOT FOR USE" in text, text
        assert "UNCONTROLLED WHEN PRINTED" in text and "Downloaded by Lin Wei" in text and "UTC" in text
    (tmp_path / "stamped").mkdir()
    (tmp_path / "plain").mkdir()
    assert red_pixels_in_top_band(draft.data, tmp_path / "stamped") > 50  # drawn, in red, on the rendered page
    assert red_pixels_in_top_band(original, tmp_path / "plain") == 0
    # The document's own words are all still there.
    words = set(pdf_text(draft.data, tmp_path, 2).split())
    assert set(pdf_text(original, tmp_path, 2).split()) <= words

    base = f"/documents/{document.id}/versions/1/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    api_as(team["head"]).post(base, json={"action": "approve", "password": PW})
    effective = api_as(team["reader"]).get(url)
    text = pdf_text(effective.data, tmp_path)
    assert "EFFECTIVE" in text and "DRAFT" not in text and "Downloaded by Chen QC" in text
    assert "EFFECTIVE" in pdf_text(api_as(team["reader"]).get(f"/documents/{document.id}/effective").data, tmp_path)


@needs_poppler
def test_obsolete_versions_say_so(api_as, team, make_document, tmp_path):
    from tests.factories import add_version

    original = (DATA / "minimal-document.pdf").read_bytes()
    document = make_document(team["author"], content=original, filename="manual.pdf")
    for number in (1, 2):
        if number == 2:
            add_version(document, team["author"], (DATA / "pypdf-crazyones.pdf").read_bytes(), filename="m.pdf")
        base = f"/documents/{document.id}/versions/{number}/actions"
        api_as(team["author"]).post(base, json={"action": "submit"})
        api_as(team["head"]).post(base, json={"action": "approve", "password": PW})
    text = pdf_text(api_as(team["reader"]).get(f"/documents/{document.id}/versions/1/file").data, tmp_path)
    assert "RD-MAN-0001 Rev A" in text and "OBSOLETE" in text


def test_the_original_is_for_the_owning_department_and_admins(api_as, team, make_document):
    original = (DATA / "minimal-document.pdf").read_bytes()
    document = make_document(team["author"], content=original, filename="manual.pdf")
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    api_as(team["head"]).post(base, json={"action": "approve", "password": PW})
    url = f"/documents/{document.id}/versions/1/file?original=true"
    for who in ("author", "head", "admin"):
        response = api_as(team[who]).get(url)
        assert response.status_code == 200 and response.data == original, who
        assert response.headers["ETag"].strip('"') == document.versions[0].sha256
        assert "X-Stamped" not in response.headers
    for who in ("reader", "leader"):
        assert api_as(team[who]).get(url).status_code == 403, who
    assert api_as(team["reader"]).get(url.replace("?original=true", "")).data != original


def test_docx_not_in_force_gets_the_stamp_in_its_headers(api_as, team, make_document):
    from docx import Document as WordDocument

    original = (DATA / "hdr-header-footer.docx").read_bytes()
    document = make_document(team["author"], content=original, filename="procedure.docx")
    url = f"/documents/{document.id}/versions/1/file"
    draft = api_as(team["author"]).get(url)
    headers = [p.text for s in WordDocument(io.BytesIO(draft.data)).sections for p in s.header.paragraphs]
    stamp = next(h for h in headers if "RD-MAN-0001 Rev A" in h)
    assert "DRAFT – NOT FOR USE" in stamp and "UNCONTROLLED WHEN PRINTED" in stamp and "Lin Wei" in stamp
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    api_as(team["head"]).post(base, json={"action": "approve", "password": PW})
    assert api_as(team["reader"]).get(url).data == original  # effective: as stored


def test_text_files_are_sent_as_stored(api_as, team, make_document):
    document = make_document(team["author"], content="plain words\n")
    response = api_as(team["author"]).get(f"/documents/{document.id}/versions/1/file")
    assert response.data == b"plain words\n" and "X-Stamped" not in response.headers
