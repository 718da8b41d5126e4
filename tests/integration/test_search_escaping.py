"""Titles and snippets in search results: text is escaped, only the
highlighter's <mark> survives (issue 21, finding 3)."""

from __future__ import annotations

from app.extensions import db
from app.issues import service as issue_service
from app.search import indexer

PHISHING = (
    '<a href="https://evil.example/sso-login">Session expired</a><blockquote>Sign in again</blockquote>'
)


def test_a_title_with_html_is_shown_as_text_when_it_has_no_highlight(app, client, login, make_user):
    support = make_user("support", "CS")
    issue_service.create_issue(support, {"title": PHISHING, "phenomenon": "冷卻風扇異音"})
    db.session.commit()
    indexer.drain(app.config)
    login(support)
    # The query matches the body only: the title falls back to plain text.
    html = client.get("/search", query_string={"q": "風扇"}).get_data(as_text=True)
    assert "Session expired" in html
    assert 'href="https://evil.example' not in html and "<blockquote>" not in html
    assert (
        "&lt;a href=&#34;https://evil.example/sso-login&#34;&gt;" in html
        or "&lt;a href=&quot;https://evil.example/sso-login&quot;&gt;" in html
    )


def test_a_highlighted_title_keeps_only_the_marks(app, client, login, make_user):
    support = make_user("support", "CS")
    issue_service.create_issue(support, {"title": PHISHING + " 風扇", "phenomenon": "冷卻風扇異音"})
    db.session.commit()
    indexer.drain(app.config)
    login(support)
    html = client.get("/search", query_string={"q": "風扇"}).get_data(as_text=True)
    assert "<mark>風扇</mark>" in html
    assert 'href="https://evil.example' not in html and "<blockquote>" not in html
