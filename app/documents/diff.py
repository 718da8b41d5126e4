"""Readable diffs between versions' extracted text.

Two levels: lines first (fast on long documents), then tokens inside each
changed block. A token is one CJK character, one Latin word (letters,
digits, `_` and `-`, so X200 and B2311-07 stay whole), one run of spaces or
one punctuation mark; a decimal number is one token; a newline is its own token. Chinese changes show per
character and English per word, never as whole replaced lines.

Bounded cost: both levels use Myers' O(ND) algorithm (diff-match-patch)
over items encoded as single characters, under one time deadline for the
whole comparison (``timeout_s``). difflib's SequenceMatcher(autojunk=False)
is quadratic: 8,000 short lines took 8.9 s, a 56 KB paragraph 21.7 s.
Past the deadline the part not yet compared is shown as one replaced block
and the result is marked ``partial`` ("too large to compare in full").
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from diff_match_patch import diff_match_patch

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
    partial: bool = False  # the deadline or size bound cut the comparison short

    def as_dict(self, from_n: int, to_n: int) -> dict:
        return {
            "from": from_n,
            "to": to_n,
            "changes": [{"op": c.op, "old": c.old, "new": c.new} for c in self.changes],
            "stats": {"inserted": self.inserted, "deleted": self.deleted},
            "partial": self.partial,
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


# Distinct items (lines or tokens) one comparison may encode as characters.
_MAX_DISTINCT = 1_000_000


class _Comparison:
    """One diff under one deadline, shared by the line and the token level."""

    def __init__(self, timeout_s: float):
        self.deadline = time.time() + timeout_s  # diff-match-patch reads time.time()
        self.partial = False
        self._dmp = diff_match_patch()
        self._dmp.Diff_Timeout = 0  # no half-match heuristic (it can be quadratic); the deadline bounds

    def opcodes(self, a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
        """SequenceMatcher-style opcodes, or one replace when out of time."""
        codes: dict[str, str] = {}
        for item in a + b:
            if item not in codes:
                codes[item] = chr(len(codes))
        if len(codes) > _MAX_DISTINCT or time.time() > self.deadline:
            self.partial = True
            return _whole(a, b)
        text_a = "".join(codes[item] for item in a)
        text_b = "".join(codes[item] for item in b)
        diffs = self._dmp.diff_main(text_a, text_b, False, self.deadline)
        if time.time() > self.deadline:
            self.partial = True
        return _to_opcodes(diffs)


def _whole(a: list, b: list) -> list[tuple[str, int, int, int, int]]:
    if not a and not b:
        return []
    op = "replace" if a and b else ("delete" if a else "insert")
    return [(op, 0, len(a), 0, len(b))]


def _to_opcodes(diffs) -> list[tuple[str, int, int, int, int]]:
    opcodes, i, j, pending_del, pending_ins = [], 0, 0, 0, 0

    def flush():
        nonlocal i, j, pending_del, pending_ins
        if pending_del or pending_ins:
            op = "replace" if pending_del and pending_ins else ("delete" if pending_del else "insert")
            opcodes.append((op, i, i + pending_del, j, j + pending_ins))
            i, j = i + pending_del, j + pending_ins
            pending_del = pending_ins = 0

    for op, text in diffs:
        if op == diff_match_patch.DIFF_EQUAL:
            flush()
            opcodes.append(("equal", i, i + len(text), j, j + len(text)))
            i, j = i + len(text), j + len(text)
        elif op == diff_match_patch.DIFF_DELETE:
            pending_del += len(text)
        else:
            pending_ins += len(text)
    flush()
    return opcodes


def _token_diff(old: str, new: str, changes: list[Change], max_tokens: int, comparison: _Comparison) -> None:
    a, b = tokenize(old), tokenize(new)
    if len(a) + len(b) > max_tokens:
        comparison.partial = True
        _append(changes, "replace" if old and new else ("delete" if old else "insert"), old, new)
        return
    for op, i1, i2, j1, j2 in comparison.opcodes(a, b):
        _append(changes, op, "".join(a[i1:i2]), "".join(b[j1:j2]))


def diff_texts(old: str, new: str, *, max_tokens: int = 200_000, timeout_s: float = 0.1) -> DiffResult:
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    changes: list[Change] = []
    comparison = _Comparison(timeout_s)
    for op, i1, i2, j1, j2 in comparison.opcodes(old_lines, new_lines):
        old_part, new_part = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "replace":
            _token_diff(old_part, new_part, changes, max_tokens, comparison)
        else:
            _append(changes, op, old_part, new_part)
    inserted = sum(len(c.new) for c in changes if c.op in ("insert", "replace"))
    deleted = sum(len(c.old) for c in changes if c.op in ("delete", "replace"))
    return DiffResult(changes, inserted, deleted, comparison.partial)


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
