"""Markdown is rendered and sanitised: nothing executable survives."""

from __future__ import annotations

import pytest

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
    html = render(payload).lower()
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html
    assert "onerror=" not in html and "onload=" not in html and "onclick=" not in html
    assert "javascript:" not in html and "style=" not in html


def test_markdown_still_works():
    html = render("**扭力** 改為 `1.5 N·m`\n\n- 第一步\n- 第二步\n\n[spec](https://example.com/x200)")
    assert "<strong>扭力</strong>" in html and "<code>1.5 N·m</code>" in html
    assert "<li>第一步</li>" in html
    assert 'href="https://example.com/x200"' in html and 'rel="nofollow"' in html
