"""Markdown to safe HTML for progress comments.

Rendered by markdown-it-py (CommonMark, linear time: no backtracking over
unclosed brackets or emphasis as in Python-Markdown, where "[" * 10000 took
22 s), with raw HTML off, then everything passes through bleach with a
small allow-list: no script, no event handler, no style, and links only to
http, https and mailto, each with rel="nofollow". Comments are at most
``app.limits.COMMENT`` characters.
"""

from __future__ import annotations

import bleach
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "del",
    "s",
}
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}

# html=False: raw HTML in a comment is shown as text, never parsed.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": True, "maxNesting": 20}).enable(
    ["table", "strikethrough", "linkify"]
)


def _link_open(renderer, tokens, idx, options, env):
    tokens[idx].attrSet("rel", "nofollow")
    return renderer.renderToken(tokens, idx, options, env)


_MD.add_render_rule("link_open", _link_open)


def render(text: str) -> str:
    html = _MD.render(text or "")
    return bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
