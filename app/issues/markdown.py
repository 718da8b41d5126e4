"""Markdown to safe HTML for progress comments and analyses.

Markdown is rendered first, then everything passes through bleach with a
small allow-list: no script, no event handler, no style, and links only to
http, https and mailto.
"""

from __future__ import annotations

import bleach
import markdown as md
from bleach.linkifier import DEFAULT_CALLBACKS

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "hr", "del",
}
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}


def render(text: str) -> str:
    html = md.markdown(text or "", extensions=["fenced_code", "tables", "sane_lists"])
    cleaned = bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                           protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True)
    return bleach.linkify(cleaned, callbacks=DEFAULT_CALLBACKS, skip_tags={"pre", "code"})
