"""Markdown is rendered and sanitised: nothing executable survives."""

from __future__ import annotations

import re
import time

import pytest

from app import limits
from app.issues.markdown import render

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<p onclick="alert(1)">para</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS)
def test_nothing_executable_survives(payload):
    # Only tags can execute: raw HTML shown as escaped text is harmless.
    html = " ".join(re.findall(r"<[^>]*>", render(payload).lower()))
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html
    assert "onerror=" not in html and "onload=" not in html and "onclick=" not in html
    assert "javascript:" not in html and "style=" not in html


def test_markdown_still_works():
    html = render("**扭力** 改為 `1.5 N·m`\n\n- 第一步\n- 第二步\n\n[spec](https://example.com/x200)")
    assert "<strong>扭力</strong>" in html and "<code>1.5 N·m</code>" in html
    assert "<li>第一步</li>" in html
    assert 'href="https://example.com/x200"' in html and 'rel="nofollow"' in html


def test_fenced_code_is_escaped_once():
    html = render("```\nif a < b && c:\n```")
    assert "if a &lt; b &amp;&amp; c:" in html
    assert "&amp;lt;" not in html


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;bold&lt;/b&gt;" in render("<b>bold</b>")


# Inputs that are quadratic (or worse) for backtracking Markdown parsers:
# unclosed link brackets, image openers, emphasis runs, nested quotes.
WORST_INPUTS = {
    "brackets": "[" * limits.COMMENT,
    "images": "![" * (limits.COMMENT // 2),
    "links": "[](" * (limits.COMMENT // 3),
    "emphasis": "*_" * (limits.COMMENT // 2),
    "angles": "<" * limits.COMMENT,
    "quotes": ">" * limits.COMMENT,
    "entities": "&" * limits.COMMENT,
}


@pytest.mark.parametrize("name", WORST_INPUTS)
def test_rendering_the_longest_hostile_comment_is_bounded(name):
    """Python-Markdown took 22 s on "[" * 10000 (quadratic); at the comment
    limit every known worst case renders in well under a second."""
    started = time.perf_counter()
    render(WORST_INPUTS[name])
    assert time.perf_counter() - started < 1.0
