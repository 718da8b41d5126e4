"""Every visible string goes through the catalogue, and both Chinese
catalogues translate all of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "app" / "templates"
# Words that are names, codes or units, not language.
ALLOWED = {"Doctrack", "v", "sha", "MB", "h", "API", "CSV", "DOCX", "PDF", "ID"}
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
TAG = re.compile(r"<[^>]+>", re.S)
LITERAL_ATTR = re.compile(r'\b(?:placeholder|aria-label|title|alt)="([^"{]*[A-Za-z\u4e00-\u9fff][^"{]*)"')


def extracted_ids() -> set[str]:
    method_map = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_templates_have_no_untranslated_literal(template):
    source = (TEMPLATES / template).read_text()
    attributes = LITERAL_ATTR.findall(JINJA.sub("", source))
    assert attributes == [], f"{template}: literal attribute text {attributes}"
    text = TAG.sub(" ", JINJA.sub(" ", source))
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z']+|[\u4e00-\u9fff]+", text)} - ALLOWED
    assert words == set(), f"{template}: text outside the catalogue: {sorted(words)}"


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_catalogue_translates_every_message(locale):
    catalog = read_po((ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb"))
    translated = {m.id: m.string for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = extracted_ids() - set(translated)
    assert missing == set(), f"{locale}: untranslated: {sorted(missing)[:20]}"
