"""``flask import folder``: a legacy folder with a mapping CSV becomes
documents with their version history; refused rows are reported; a re-run
or a resumed run adds no duplicates."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.documents import legacy_import
from app.documents.models import Document, DocumentVersion

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = "path,number,title,category,type,department,product,version,effective_date,state\n"


@pytest.fixture
def legacy(tmp_path, make_user, make_department):
    make_department("QA")
    admin = make_user("admin", email="admin@example.com")
    root = tmp_path / "legacy"
    (root / "manual").mkdir(parents=True)
    (root / "spec").mkdir()
    (root / "manual" / "v1.txt").write_text("X200 manual, first edition.\n", encoding="utf-8")
    (root / "manual" / "v2.md").write_text("# X200 manual\n\nSecond edition.\n", encoding="utf-8")
    shutil.copy(DATA / "mammoth-single-paragraph.docx", root / "manual" / "v3.docx")
    (root / "spec" / "a.txt").write_text("QA spec A.\n", encoding="utf-8")
    (root / "spec" / "b.txt").write_text("QA spec B, revised.\n", encoding="utf-8")
    (root / "bad.txt").write_text("a file of an unknown category\n", encoding="utf-8")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        HEADER
        + "manual/v2.md,RD-MAN-0100,X200 manual,technical,manual,RD,X200,2,2020-05-01,obsolete\n"
        + "manual/v1.txt,RD-MAN-0100,X200 manual,technical,manual,RD,X200,1,2019-01-10,obsolete\n"
        + "manual/v3.docx,RD-MAN-0100,X200 manual,technical,manual,RD,X200,3,2021-03-15,effective\n"
        + "spec/a.txt,QA-SPC-0007,QA spec,technical,spec,QA,,1,2018-02-01,effective\n"
        + "spec/b.txt,QA-SPC-0007,QA spec,technical,spec,QA,,2,,draft\n"
        + "bad.txt,XX-1,Bad one,recipes,manual,RD,,1,,draft\n"
        + "gone.txt,XX-2,Missing,technical,manual,RD,,1,,draft\n",
        encoding="utf-8",
    )
    return admin, root, mapping


def _run(runner, root, mapping):
    return runner.invoke(
        args=["import", "folder", str(root), "--mapping", str(mapping), "--as", "admin@example.com"]
    )


def _versions(number):
    document = legacy_import.db.session.scalar(select(Document).where(Document.number == number))
    assert document is not None, number
    return document, [(v.number, v.filename, v.state) for v in document.versions]


def test_import_keeps_history_states_and_reports_refused_rows(runner, legacy, make_user, make_document):
    _admin, root, mapping = legacy
    result = _run(runner, root, mapping)
    assert result.exit_code == 1, result.output
    assert "refused bad.txt" in result.output and "unknown category 'recipes'" in result.output
    assert "refused gone.txt" in result.output and "missing file gone.txt" in result.output
    assert "imported 5, skipped 0 as already done, refused 2" in result.output

    manual, versions = _versions("RD-MAN-0100")
    assert manual.title == "X200 manual" and manual.product == "X200"
    assert versions == [(1, "v1.txt", "obsolete"), (2, "v2.md", "obsolete"), (3, "v3.docx", "effective")]
    assert manual.effective_version.effective_on == date(2021, 3, 15)
    assert manual.versions[2].text  # the DOCX was extracted
    spec, versions = _versions("QA-SPC-0007")
    assert spec.department.code == "QA"
    assert versions == [(1, "a.txt", "effective"), (2, "b.txt", "draft")]
    assert spec.effective_version.effective_on == date(2018, 2, 1)
    assert legacy_import.db.session.scalar(select(func.count()).select_from(Document)) == 2

    again = _run(runner, root, mapping)
    assert again.exit_code == 1
    assert "imported 0, skipped 5 as already done, refused 2" in again.output
    assert legacy_import.db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 5

    # The numbering counter moved past the imported number.
    later = make_document(make_user("author"), title="Z100 manual", product="Z100")
    assert later.number == "RD-MAN-0101"


def test_interrupted_import_resumes_without_duplicates(runner, legacy, monkeypatch):
    _admin, root, mapping = legacy
    real = legacy_import.import_row
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(legacy_import, "import_row", failing)
    interrupted = _run(runner, root, mapping)
    assert interrupted.exit_code != 0
    monkeypatch.setattr(legacy_import, "import_row", real)
    assert legacy_import.db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 2

    resumed = _run(runner, root, mapping)
    assert "imported 3, skipped 2 as already done, refused 2" in resumed.output
    _manual, versions = _versions("RD-MAN-0100")
    assert [n for n, _f, _s in versions] == [1, 2, 3]

    # A lost state file: files already in their document are still skipped.
    (root / legacy_import.STATE_FILE).unlink()
    lost = _run(runner, root, mapping)
    assert "imported 0, skipped 5 as already done, refused 2" in lost.output
    assert legacy_import.db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 5


def test_import_needs_an_admin(runner, legacy, make_user):
    _admin, root, mapping = legacy
    make_user("author", email="author@example.com")
    result = runner.invoke(
        args=["import", "folder", str(root), "--mapping", str(mapping), "--as", "author@example.com"]
    )
    assert result.exit_code != 0 and "not an admin" in result.output
    assert legacy_import.db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_files_refused_by_the_service_or_outside_the_folder_are_reported(runner, legacy, tmp_path):
    _admin, root, _mapping = legacy
    (root / "empty.txt").write_bytes(b"")
    (tmp_path / "secret.txt").write_text("outside\n", encoding="utf-8")
    mapping = tmp_path / "other.csv"
    mapping.write_text(
        HEADER
        + "empty.txt,RD-MAN-0200,Empty,technical,manual,RD,,1,,draft\n"
        + "../secret.txt,RD-MAN-0201,Outside,technical,manual,RD,,1,,draft\n"
        + "spec/a.txt,RD-MAN-0202,Bad date,technical,manual,RD,,1,2020-13-40,effective\n"
        + "spec/b.txt,RD-MAN-0203,Bad dept,technical,manual,NOPE,,1,,draft\n",
        encoding="utf-8",
    )
    result = _run(runner, root, mapping)
    assert result.exit_code == 1
    assert "refused empty.txt (line 2): the file is empty" in result.output
    assert "refused ../secret.txt (line 3): ../secret.txt is outside the imported folder" in result.output
    assert "refused spec/a.txt (line 4): bad effective_date '2020-13-40'" in result.output
    assert "refused spec/b.txt (line 5)" in result.output
    assert "imported 0, skipped 0 as already done, refused 4" in result.output
    assert legacy_import.db.session.scalar(select(func.count()).select_from(Document)) == 0
