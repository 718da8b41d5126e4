"""Diffs of hostile versions: bounded, said to be partial, computed once."""

from __future__ import annotations

from collections import OrderedDict

from app.documents import service
from bench import dos_inputs
from tests.factories import add_version


def _pair(make_user, make_document):
    author = make_user("author")
    old, new = dos_inputs.short_lines()
    document = make_document(author, content=old, filename="table.txt")
    add_version(document, author, new, filename="table.txt")
    return author, document


def test_a_diff_cut_short_is_flagged_on_the_page_and_in_the_api(
    app, client, login, api_as, make_user, make_document
):
    app.config["DIFF_TIMEOUT_MS"] = 1
    author, document = _pair(make_user, make_document)
    body = api_as(author).get(f"/documents/{document.id}/diff?from=1&to=2").json
    assert body["partial"] is True
    login(author)
    page = client.get(f"/documents/{document.id}/diff?from=1&to=2", headers={"Accept-Language": "en"})
    assert "too large to compare in full" in page.get_data(as_text=True)
    zh = client.get(f"/documents/{document.id}/diff?from=1&to=2", headers={"Accept-Language": "zh-TW"})
    assert zh.status_code == 200 and "too large to compare in full" not in zh.get_data(as_text=True)


def test_a_version_pair_is_compared_once(app, api_as, make_user, make_document, monkeypatch):
    author, document = _pair(make_user, make_document)
    monkeypatch.setattr(service, "_DIFF_CACHE", OrderedDict())
    calls = []
    real = service.diff_texts
    monkeypatch.setattr(service, "diff_texts", lambda *a, **k: calls.append(1) or real(*a, **k))
    api = api_as(author)
    first = api.get(f"/documents/{document.id}/diff?from=1&to=2").json
    second = api.get(f"/documents/{document.id}/diff?from=1&to=2").json
    assert first == second and len(calls) == 1
