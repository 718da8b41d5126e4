"""Readable diffs between versions' extracted text.

Two levels: lines first (fast on long documents), then tokens inside each
changed block. A token is one CJK character, one Latin word (letters,
digits, `_` and `-`, so X200 and B2311-07 stay whole), one run of spaces or
one punctuation mark; a decimal number is one token; a newline is its own token. Chinese changes show per
character and English per word, never as whole replaced lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

_TOKEN = re.compile(
    r"\n"
    r"|[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ef\u3400-\u4dbf\u4e00-\u9fff"
    r"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
    r"|\d+(?:[.,]\d+)+"  # 1.5, 12,000: a number is one token
    r"|[^\W_][\w\-]*(?<![-_])|[^\S\n]+|[^\w\s]|_",
    re.UNICODE,
)


@dataclass(frozen=True)
class Change:
    op: str
    old: str
    new: str


@dataclass(frozen=True)
class DiffResult:
    changes: list[Change] = field(default_factory=list)
    inserted: int = 0
    deleted: int = 0

    def as_dict(self, from_n: int, to_n: int) -> dict:
        return {
            "from": from_n, "to": to_n,
            "changes": [{"op": c.op, "old": c.old, "new": c.new} for c in self.changes],
            "stats": {"inserted": self.inserted, "deleted": self.deleted},
        }


def tokenize(text: str) -> list[str]:
    tokens = _TOKEN.findall(text)
    if sum(map(len, tokens)) != len(text):  # safety net: never lose characters
        return list(text)
    return tokens


def _append(changes: list[Change], op: str, old: str, new: str) -> None:
    if not old and not new:
        return
    if changes and changes[-1].op == op:
        last = changes.pop()
        changes.append(Change(op, last.old + old, last.new + new))
    else:
        changes.append(Change(op, old, new))


def _token_diff(old: str, new: str, changes: list[Change], max_tokens: int) -> None:
    a, b = tokenize(old), tokenize(new)
    if len(a) + len(b) > max_tokens:
        _append(changes, "replace" if old and new else ("delete" if old else "insert"), old, new)
        return
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        _append(changes, op, "".join(a[i1:i2]), "".join(b[j1:j2]))


def diff_texts(old: str, new: str, *, max_tokens: int = 200_000) -> DiffResult:
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    changes: list[Change] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "replace":
            _token_diff(old_part, new_part, changes, max_tokens)
        else:
            _append(changes, op, old_part, new_part)
    inserted = sum(len(c.new) for c in changes if c.op in ("insert", "replace"))
    deleted = sum(len(c.old) for c in changes if c.op in ("delete", "replace"))
    return DiffResult(changes, inserted, deleted)


def side_by_side(result: DiffResult) -> list[tuple[list[Change], list[Change]]]:
    """Rows for a two-column view: each row holds the pieces of one old line
    (left) and one new line (right)."""
    rows: list[tuple[list[Change], list[Change]]] = []
    left: list[Change] = []
    right: list[Change] = []

    def feed(side: list[Change], op: str, text: str, is_left: bool) -> None:
        nonlocal left, right
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if piece:
                side_list = left if is_left else right
                side_list.append(Change(op, piece if is_left else "", "" if is_left else piece))
            if index < len(pieces) - 1:
                if is_left:
                    rows.append((left, []))
                    left = []
                else:
                    rows.append(([], right))
                    right = []

    for change in result.changes:
        if change.op == "equal":
            for index, piece in enumerate(change.old.split("\n")):
                if index:
                    rows.append((left, right))
                    left, right = [], []
                if piece:
                    left.append(Change("equal", piece, ""))
                    right.append(Change("equal", "", piece))
        else:
            if change.old:
                feed(left, change.op, change.old, True)
            if change.new:
                feed(right, change.op, change.new, False)
    if left or right:
        rows.append((left, right))
    return rows
