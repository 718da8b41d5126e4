"""Text analysis for Chinese (Traditional and Simplified, mixed) and English.

Whoosh's default analyzer makes one token of a whole run of Chinese
characters, so 質量 never finds 產品質量問題. Here:

- Folding: Traditional -> Simplified character by character (a table built
  once from OpenCC t2s) and full-width ASCII -> ASCII. One character maps to
  one character, so token offsets still point into the original text and
  highlights show the script the author wrote.
- CJK runs become overlapping bigrams at consecutive positions (a unigram
  only for a run's last character), so a two-character word is found inside
  any sentence, a longer word or quoted phrase becomes a query over
  consecutive bigrams, and a one-character query matches as "a unigram or
  a bigram starting with it". A line
  break between two CJK characters (PDF line wrapping) does not split the run.
- Japanese kana, Hangul and Thai (no spaces between words either) are
  treated like Chinese: runs become bigrams.
- Words in Latin (accented too), Greek and Cyrillic scripts are NFKC-
  normalised (ligatures, compatibility forms), case-folded and stripped of
  accents (café finds cafe); English words are stemmed (overheating ->
  overh, calibrating and calibration -> calibr); codes with digits (X200,
  B2311-07) stay whole and match exactly.
- Before tokenizing, every character is NFKC-folded one to one (full-width
  ASCII, half-width kana, compatibility ideographs), keeping offsets.

This module's path is pickled into the index with the schema: keep it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Composable, Token, Tokenizer
from whoosh.formats import Positions
from whoosh.lang.porter import stem

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Scripts written without spaces between words: bigrams, like Chinese.
_RUNS = _CJK + "\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\u0e00-\u0e7f"
# Letters of spaced scripts: Latin (accented, ligatures), Greek, Cyrillic,
# and combining accents inside a word.
_LETTERS = (
    "A-Za-z0-9\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
    "\u0300-\u036f\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\ufb00-\ufb06"
)
_TOKEN = re.compile(
    rf"(?P<cjk>[{_RUNS}](?:[\r\n]*[{_RUNS}])*)"
    rf"|(?P<word>[{_LETTERS}]+(?:[._\-/][A-Za-z0-9]+)*)"
)
_NEWLINES = re.compile(r"[\r\n]")
# Regional words (Taiwan / mainland usage) of the same length, folded to one
# form after the character fold; same length keeps offsets valid.
_WORD_FOLDS = {"计画": "计划", "韧体": "固件", "软体": "软件", "硬体": "硬件", "网路": "网络"}


@lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    import opencc

    converter = opencc.OpenCC("t2s")
    table: dict[int, str] = {}
    for start, end in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)):
        for code in range(start, end):
            char = chr(code)
            simplified = converter.convert(char)
            if len(simplified) == 1 and simplified != char:
                table[code] = simplified
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "
    # Other one-to-one NFKC mappings (half-width kana, compatibility forms);
    # expansions (ligatures) are normalised per word token instead.
    for code in range(0x80, 0x10000):
        if code in table or 0xD800 <= code < 0xE000:
            continue
        normal = unicodedata.normalize("NFKC", chr(code))
        if len(normal) == 1 and normal != chr(code):
            table[code] = table.get(ord(normal), normal)
    return table


def fold(text: str) -> str:
    """Traditional -> Simplified and full-width -> ASCII, same length."""
    folded = text.translate(fold_table())
    for word, replacement in _WORD_FOLDS.items():
        folded = folded.replace(word, replacement)
    return folded


def _is_code(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def stem_word(word: str) -> str:
    """Porter's stem, with its -ate/-ble/-ize left-overs stemmed once more so
    a verb's forms meet its noun: calibrating, calibrated, calibration ->
    calibr (plain Porter gives calibrat for the first two)."""
    stemmed = stem(word)
    if stemmed.endswith(("at", "bl", "iz")):
        stemmed = stem(stemmed + "e")
    return stemmed


@lru_cache(maxsize=65536)
def word_token(word: str) -> str:
    """The indexed form of a word: NFKC, case-folded, accents removed;
    English stemmed, codes with digits kept whole."""
    if not word.isascii():
        word = unicodedata.normalize("NFKC", word).casefold()
        stripped = "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))
        word = unicodedata.normalize("NFC", stripped)
    else:
        word = word.lower()
    if _is_code(word) or not word.isascii():
        return word
    return stem_word(word)


class CJKBigramTokenizer(Tokenizer):
    """Bigrams + unigrams for CJK runs; lower-cased, stemmed Latin words."""

    def __eq__(self, other):
        return other is not None and other.__class__ is self.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        folded = fold(value)
        pos = start_pos
        for match in _TOKEN.finditer(folded):
            if match.lastgroup == "word":
                token.text = word_token(match.group())
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = value[match.start() : match.end()]
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
                pos += 1
                yield token
                continue
            # CJK run: offsets of its characters, skipping line breaks inside.
            offsets = [match.start() + i for i, ch in enumerate(match.group()) if not _NEWLINES.match(ch)]
            query = mode == "query"
            for i, offset in enumerate(offsets):
                grams = []
                if i + 1 < len(offsets):
                    grams.append((folded[offset] + folded[offsets[i + 1]], offsets[i + 1] + 1))
                # A unigram only where no bigram starts: a lone character or
                # the last of a run. A one-character query looks for that
                # unigram or a bigram starting with it (``service.parse``),
                # which finds every occurrence at half the index size of a
                # unigram at every position.
                if i + 1 == len(offsets) and (not query or len(offsets) == 1):
                    grams.append((folded[offset], offset + 1))
                for text, end in grams:
                    token.text = text
                    token.boost = 1.0
                    token.stopped = False
                    if keeporiginal:
                        token.original = value[offset:end]
                    if positions:
                        token.pos = pos
                    if chars:
                        token.startchar, token.endchar = start_char + offset, start_char + end
                    yield token
                if grams:
                    pos += 1


def analyzer() -> Composable:
    return CJKBigramTokenizer()


def term_positions(value: str) -> dict[str, list[int]]:
    """What ``CJKBigramTokenizer`` yields at indexing, as term -> positions,
    computed without a Token object per term (indexing spends most of its
    time there otherwise)."""
    out: dict[str, list[int]] = {}
    pos = 0
    for match in _TOKEN.finditer(fold(value)):
        if match.lastgroup == "word":
            out.setdefault(word_token(match.group()), []).append(pos)
            pos += 1
            continue
        run = match.group()
        if "\n" in run or "\r" in run:
            run = _NEWLINES.sub("", run)
        for i in range(len(run) - 1):
            out.setdefault(run[i : i + 2], []).append(pos + i)
        out.setdefault(run[-1], []).append(pos + len(run) - 1)
        pos += len(run)
    return out


class BigramPositions(Positions):
    """Whoosh's Positions format fed by ``term_positions``: the same terms,
    positions and weights as running the analyzer, about ten times faster."""

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        for term, positions in term_positions(value).items():
            yield term, len(positions), len(positions) * boost, self.encode(positions)
