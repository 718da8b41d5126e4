"""The text of a DOCX as it reads with every tracked change accepted, the
revisions themselves, and the Word comments (kept apart from the text).

Reads the WordprocessingML parts directly (python-docx's Paragraph.text only
sees runs directly under w:p: insertions, moves, fields, content controls
and text boxes were lost). Walk rule: descend into every element except
those that are not part of the accepted text (deletions, moved-from text,
field instructions, properties, the fallback copy of alternate content).
ISO/IEC 29500 Strict files use other namespace names for the same
vocabulary; they are read after mapping those names to the transitional ones.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from app.errors import BadUpload


def _(message: str) -> str:  # marks a message for the catalogue; translated when shown
    return message


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

_STRICT = {
    b"http://purl.oclc.org/ooxml/wordprocessingml/main": W_NS.encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/relationships": b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}

# Not part of the accepted text: deleted and moved-away runs, field codes,
# properties (they hold revision marks and style names, not text).
_SKIP = {
    W + name
    for name in (
        "del",
        "moveFrom",
        "delText",
        "instrText",
        "delInstrText",
        "pPr",
        "rPr",
        "sectPr",
        "tblPr",
        "tblGrid",
        "trPr",
        "tcPr",
        "sdtPr",
        "sdtEndPr",
        "commentReference",
        "footnoteReference",
        "endnoteReference",
        "annotationRef",
        "footnoteRef",
        "endnoteRef",
        "separator",
        "continuationSeparator",
        "fldData",
    )
}
_BREAKS = {W + "br", W + "cr"}
_REVISIONS = {
    W + "ins": "insertion",
    W + "del": "deletion",
    W + "moveTo": "moved_to",
    W + "moveFrom": "moved_from",
}
_FORMAT_CHANGES = {W + "rPrChange", W + "pPrChange"}

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


@dataclass
class DocxContent:
    text: str
    tracked_changes: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    strict: bool = False


# Text walk -------------------------------------------------------------------


def _alternate_choice(element):
    """mc:AlternateContent holds one rendering in mc:Choice and a copy in
    mc:Fallback: read one of them, not both."""
    for child in element:
        if child.tag == MC + "Choice":
            return child
    for child in element:
        if child.tag == MC + "Fallback":
            return child
    return None


class _Writer:
    """Collects lines: a paragraph's inline text, then the blocks (text
    boxes) anchored in it, each on lines of their own."""

    def __init__(self):
        self.lines: list[str] = []

    def blocks(self, container) -> None:
        for child in container:
            self.block(child)

    def block(self, element) -> None:
        tag = element.tag
        if tag == W + "p":
            self.paragraph(element)
        elif tag == W + "tbl":
            self.table(element)
        elif tag in _SKIP or not isinstance(tag, str):
            return
        elif tag == MC + "AlternateContent":
            choice = _alternate_choice(element)
            if choice is not None:
                self.blocks(choice)
        else:  # w:sdt / w:sdtContent, w:ins / w:moveTo around paragraphs, w:customXml, ...
            self.blocks(element)

    def paragraph(self, element) -> None:
        inline: list[str] = []
        anchored: list = []
        self._inline(element, inline, anchored)
        text = "".join(inline)
        mark_deleted = element.find(f"{W}pPr/{W}rPr/{W}del") is not None
        if text or not mark_deleted:
            self.lines.append(text)
        for box in anchored:
            self.blocks(box)

    def _inline(self, element, out: list[str], anchored: list) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == W + "t" or tag == M + "t":  # text, and the text of Word equations
                out.append(child.text or "")
            elif tag == W + "tab" or tag == W + "ptab":
                out.append("\t")
            elif tag in _BREAKS:
                out.append("\n")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            elif tag == W + "sym":
                char = child.get(W + "char") or ""
                try:
                    out.append(
                        chr(int(char, 16)) if len(char) == 4 and not char.upper().startswith("F0") else ""
                    )
                except ValueError:
                    pass
            elif tag == W + "txbxContent":
                anchored.append(child)
            elif tag == MC + "AlternateContent":
                choice = _alternate_choice(child)
                if choice is not None:
                    self._inline(choice, out, anchored)
            elif tag == W + "p":  # a paragraph nested inline (rare; some generators): a new line
                out.append("\n")
                self._inline(child, out, anchored)
            elif tag == W + "tbl":
                anchored.append([child])
            else:
                self._inline(child, out, anchored)

    def table(self, element) -> None:
        for row in element.iter(W + "tr"):
            if _nearest(row, W + "tbl") is not element:
                continue  # a row of a nested table: read inside its cell
            cells = []
            for cell in _own_cells(row):
                if (
                    cell.find(f"{W}tcPr/{W}vMerge") is not None
                    and cell.find(f"{W}tcPr/{W}vMerge").get(W + "val", "continue") == "continue"
                ):
                    cells.append("")  # continues the merged cell above: its text was read there
                    continue
                writer = _Writer()
                writer.blocks(cell)
                cells.append("\n".join(line for line in writer.lines if line))
            if any(cells):
                self.lines.append("\t".join(cells).rstrip("\t"))


def _nearest(element, tag):
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _own_cells(row):
    """The row's cells, also those wrapped in content controls or revisions."""
    for cell in row.iter(W + "tc"):
        if _nearest(cell, W + "tr") is row:
            yield cell


def _plain(element) -> str:
    writer = _Writer()
    writer.block(element)
    return "\n".join(writer.lines).strip()


# Revisions and comments ------------------------------------------------------------


def _revision_text(element) -> str:
    texts = []
    for node in element.iter(W + "t", W + "delText", W + "tab", W + "br"):
        if node.tag in (W + "t", W + "delText"):
            texts.append(node.text or "")
        else:
            texts.append(" ")
    return "".join(texts)


def tracked_changes(root, where: str) -> list[dict]:
    """Revisions in document order: insertions, deletions, moves (text) and
    formatting changes. A deletion directly followed by an insertion of the
    same author is one replacement."""
    found: list[dict] = []
    for element in root.iter(*_REVISIONS, *_FORMAT_CHANGES):
        if (
            element.getparent() is not None
            and element.getparent().tag in (W + "rPr", W + "pPr")
            and element.tag in _REVISIONS
        ):
            continue  # a paragraph mark inserted or deleted: no text of its own
        if any(ancestor.tag in _REVISIONS for ancestor in element.iterancestors()):
            continue  # already part of an enclosing revision
        author = element.get(W + "author") or ""
        date = element.get(W + "date") or ""
        if element.tag in _FORMAT_CHANGES:
            kind, text = "formatting", ""
        else:
            kind, text = _REVISIONS[element.tag], _revision_text(element)
            if not text.strip():
                continue
        old = text if kind in ("deletion", "moved_from") else ""
        new = text if kind in ("insertion", "moved_to") else ""
        previous = found[-1] if found else None
        if (
            previous
            and previous["author"] == author
            and element.getprevious() is not None
            and element.getprevious().tag in _REVISIONS
        ):
            if previous["kind"] == kind and kind != "formatting":
                previous["old"] += old
                previous["new"] += new
                continue
            if previous["kind"] == "deletion" and kind == "insertion":
                previous.update(kind="replacement", new=new)
                continue
        found.append({"kind": kind, "author": author, "date": date, "old": old, "new": new, "where": where})
    return found


def _comment_status(archive: _Package, rels: dict[str, tuple[str, str]]) -> dict[str, bool]:
    """paraId of a comment's last paragraph -> done (commentsExtended.xml)."""
    target = _target_of(rels, "commentsExtended")
    if target is None:
        return {}
    root = archive.xml(target)
    if root is None:
        return {}
    return {
        ex.get(W15 + "paraId"): ex.get(W15 + "done") in ("1", "true") for ex in root.iter(W15 + "commentEx")
    }


def _comment_anchors(body) -> dict[str, str]:
    """Comment id -> the document text it is attached to."""
    anchors: dict[str, list[str]] = {}
    open_ids: list[str] = []
    for node in body.iter(W + "commentRangeStart", W + "commentRangeEnd", W + "t"):
        if node.tag == W + "commentRangeStart":
            open_ids.append(node.get(W + "id"))
            anchors.setdefault(node.get(W + "id"), [])
        elif node.tag == W + "commentRangeEnd":
            if node.get(W + "id") in open_ids:
                open_ids.remove(node.get(W + "id"))
        elif open_ids and not any(a.tag in (W + "del", W + "moveFrom") for a in node.iterancestors()):
            for comment_id in open_ids:
                anchors[comment_id].append(node.text or "")
    return {key: "".join(parts).strip() for key, parts in anchors.items()}


def comments(archive: _Package, rels, body) -> list[dict]:
    target = _target_of(rels, "comments")
    root = archive.xml(target) if target else None
    if root is None:
        return []
    done = _comment_status(archive, rels)
    anchors = _comment_anchors(body)
    found: list[dict] = []
    for comment in root.iter(W + "comment"):
        paragraphs = comment.findall(W + "p")
        last_para = paragraphs[-1].get(W14 + "paraId") if paragraphs else None
        found.append(
            {
                "author": comment.get(W + "author") or "",
                "date": comment.get(W + "date") or "",
                "text": "\n".join(_plain(p) for p in paragraphs).strip(),
                "anchor": anchors.get(str(comment.get(W + "id") or ""), ""),
                "resolved": bool(done.get(last_para or "", False)),
            }
        )
    return found


# Package -----------------------------------------------------------------------


class _Package:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names = set(archive.namelist())
        self.strict = False

    def xml(self, name: str):
        if name not in self.names:
            return None
        data = self.archive.read(name)
        for strict, transitional in _STRICT.items():
            if strict in data:
                self.strict = True
                data = data.replace(strict, transitional)
        try:
            return etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise BadUpload(
                _("corrupt DOCX: part %(part)s is not well-formed XML (%(detail)s)"),
                code="corrupt_docx",
                part=name,
                detail=str(exc),
            ) from None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (relationship type's last word, target part name)."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        found: dict[str, tuple[str, str]] = {}
        if root is None:
            return found
        for rel in root.iter(PKG_REL + "Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            name = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            found[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], name)
        return found


def _target_of(rels, kind: str) -> str | None:
    for rel_kind, target in rels.values():
        if rel_kind == kind:
            return target
    return None


def _main_part(package: _Package) -> str:
    for kind, target in package.rels("").values():
        if kind == "officeDocument":
            return target
    return "word/document.xml"


def _notes(package: _Package, rels, kind: str, note_tag: str) -> tuple[list[str], list]:
    target = _target_of(rels, kind)
    root = package.xml(target) if target else None
    if root is None:
        return [], []
    writer = _Writer()
    for note in root.iter(W + note_tag):
        if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        writer.blocks(note)
    return writer.lines, [root]


def read_docx(path) -> DocxContent:
    try:
        with zipfile.ZipFile(path) as archive:
            return _read(_Package(archive))
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise BadUpload(
            _("corrupt DOCX: the ZIP container cannot be read (%(detail)s)"),
            code="corrupt_docx",
            detail=str(exc),
        ) from None


def _read(package: _Package) -> DocxContent:
    main = _main_part(package)
    document = package.xml(main)
    if document is None:
        raise BadUpload(
            _("corrupt DOCX: the main document part %(part)s is missing"), code="corrupt_docx", part=main
        )
    body = document.find(W + "body")
    if body is None:
        if document.tag.endswith("}document") and document.tag != W + "document":
            raise BadUpload(
                _(
                    "this DOCX uses a WordprocessingML vocabulary that cannot be read "
                    "(namespace %(namespace)s)"
                ),
                code="unsupported_docx",
                namespace=document.tag[1:].split("}")[0],
            )
        raise BadUpload(_("corrupt DOCX: the document has no body"), code="corrupt_docx")
    rels = package.rels(main)

    headers, footers = _header_footer_parts(body, rels)
    lines: list[str] = []
    revisions: list[dict] = []
    for part in headers:
        root = package.xml(part)
        if root is not None:
            writer = _Writer()
            writer.blocks(root)
            lines.extend(line for line in writer.lines if line.strip())
            revisions.extend(tracked_changes(root, "header"))
    writer = _Writer()
    writer.blocks(body)
    lines.extend(writer.lines)
    revisions.extend(tracked_changes(body, "body"))
    for kind, tag in (("footnotes", "footnote"), ("endnotes", "endnote")):
        note_lines, roots = _notes(package, rels, kind, tag)
        lines.extend(line for line in note_lines if line.strip())
        for root in roots:
            revisions.extend(tracked_changes(root, kind[:-1]))
    for part in footers:
        root = package.xml(part)
        if root is not None:
            writer = _Writer()
            writer.blocks(root)
            lines.extend(line for line in writer.lines if line.strip())
            revisions.extend(tracked_changes(root, "footer"))
    return DocxContent("\n".join(lines), revisions, comments(package, rels, body), package.strict)


def _header_footer_parts(body, rels) -> tuple[list[str], list[str]]:
    """Every header and footer a section refers to (default, first page,
    even pages), each once, in section order; parts no section refers to
    are read too (some generators leave the reference out)."""
    headers: list[str] = []
    footers: list[str] = []
    for reference in body.iter(W + "headerReference", W + "footerReference"):
        kind, target = rels.get(reference.get(R_ID), ("", ""))
        bucket = headers if reference.tag == W + "headerReference" else footers
        if kind in ("header", "footer") and target not in bucket:
            bucket.append(target)
    for kind, target in rels.values():
        extra: list[str] | None = headers if kind == "header" else footers if kind == "footer" else None
        if extra is not None and target not in extra:
            extra.append(target)
    return headers, footers
