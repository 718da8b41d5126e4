"""Search through the API: scripts, permissions inside the query, facets,
highlights, the outbox and rebuild."""

from __future__ import annotations

import time

import pytest
from flask import current_app

from app.search import indexer
from tests.factories import DEFAULT_PASSWORD as PW
from tests.factories import add_version


@pytest.fixture
def people(make_user):
    return {
        "rd": make_user("author", "RD"),
        "rd_head": make_user("dept_head", "RD"),
        "qc": make_user("qc", "QC"),
        "support": make_user("support", "CS"),
        "leader": make_user("leader", "MGMT"),
    }


def approve(api_as, people, document, number=1):
    base = f"/documents/{document.id}/versions/{number}/actions"
    api_as(document.versions[number - 1].author).post(base, json={"action": "submit"})
    head = people["rd_head"] if document.department.code == "RD" else None
    if head is None:
        from tests.factories import make_user

        head = make_user("dept_head", document.department.code)
    assert api_as(head).post(base, json={"action": "approve", "password": PW}).json["state"] == "effective"


@pytest.fixture
def corpus(api_as, people, make_document):
    analysis = make_document(
        people["qc"],
        title="X200 馬達過熱問題分析報告",
        category="quality",
        doc_type="problem_analysis",
        content="經拆解分析，散熱片與功率模組間之導熱膏塗布不均，產品質量問題導致過熱。\n",
    )
    secret = make_document(
        people["qc"],
        title="B2311 內部檢驗報告",
        category="quality",
        doc_type="inspection_report",
        confidentiality="restricted",
        content="B2311 批次高溫老化，過熱三台，內部資料。\n",
    )
    manual = make_document(
        people["rd"], title="X300 user manual", content="The motor overheats when vents are blocked.\n"
    )
    for document in (analysis, secret, manual):
        approve(api_as, people, document)
    issue = (
        api_as(people["support"])
        .post(
            "/issues",
            json={
                "title": "客户投诉 X200 过热停机",
                "phenomenon": "车间温度 38°C 时跳过热保护",
                "source": "customer",
                "customer_ref": "C-231104",
                "product": "X200",
            },
        )
        .json
    )
    return {"analysis": analysis, "secret": secret, "manual": manual, "issue": issue}


def keys(result):
    return {(item["kind"], item["id"]) for item in result["items"]}


def test_simplified_query_finds_traditional_text_with_highlights(api_as, people, corpus):
    result = api_as(people["support"]).get("/search", query_string={"q": "过热"}).json
    assert ("document", corpus["analysis"].id) in keys(result)
    assert ("issue", corpus["issue"]["id"]) in keys(result)
    hit = next(i for i in result["items"] if i["id"] == corpus["analysis"].id and i["kind"] == "document")
    assert "<mark>過熱</mark>" in " ".join(hit["highlights"])  # shown in the author's script
    assert hit["category"] == "quality"


def test_traditional_query_finds_simplified_report(api_as, people, corpus):
    result = api_as(people["rd"]).get("/search", query_string={"q": "過熱停機", "kind": "issue"}).json
    assert keys(result) == {("issue", corpus["issue"]["id"])}
    assert result["items"][0]["state"] == "reported"


def test_two_character_word_inside_a_longer_sentence(api_as, people, corpus):
    result = api_as(people["rd"]).get("/search", query_string={"q": "質量"}).json
    assert ("document", corpus["analysis"].id) in keys(result)


def test_english_is_stemmed_and_codes_exact(api_as, people, corpus):
    api = api_as(people["rd"])
    assert ("document", corpus["manual"].id) in keys(
        api.get("/search", query_string={"q": "overheating"}).json
    )
    assert keys(api.get("/search", query_string={"q": "X200"}).json) >= {("issue", corpus["issue"]["id"])}
    assert api.get("/search", query_string={"q": "X20"}).json["total"] == 0


def test_restricted_documents_never_appear_not_even_in_counts(api_as, people, corpus):
    outsider = api_as(people["support"]).get("/search", query_string={"q": "B2311"}).json
    assert outsider["total"] == 0 and outsider["items"] == []
    assert outsider["facets"]["department"] == {} and outsider["facets"]["kind"] == {}
    broad = api_as(people["support"]).get("/search", query_string={"q": "過熱"}).json
    assert ("document", corpus["secret"].id) not in keys(broad)
    assert broad["facets"]["doc_type"].get("inspection_report") is None
    assert broad["total"] == len(broad["items"])
    for insider in ("qc", "leader"):
        result = api_as(people[insider]).get("/search", query_string={"q": "B2311"}).json
        assert ("document", corpus["secret"].id) in keys(result)
        assert result["facets"]["doc_type"] == {"inspection_report": 1}


def test_drafts_are_found_only_by_their_author_and_reviewers(api_as, people, corpus):
    add_version(corpus["manual"], people["rd"], "The motor overheats; new firmware limits torque.\n")
    api_as(people["rd"]).post(
        f"/documents/{corpus['manual'].id}/versions/2/actions", json={"action": "submit"}
    )
    for who, sees in (("rd", True), ("rd_head", True), ("support", False), ("qc", False)):
        result = api_as(people[who]).get("/search", query_string={"q": "firmware"}).json
        assert (("document", corpus["manual"].id) in keys(result)) is sees, who


def test_filters_facets_paging_and_sort(api_as, people, corpus):
    api = api_as(people["leader"])
    everything = api.get("/search", query_string={"q": "過熱"}).json
    assert everything["facets"]["kind"] == {"document": 2, "issue": 1}
    assert everything["facets"]["department"] == {"QC": 2}
    only_quality = api.get("/search", query_string={"q": "過熱", "category": "quality"}).json
    assert {i["category"] for i in only_quality["items"]} == {"quality"}
    assert api.get("/search", query_string={"q": "過熱", "department": "QC"}).json["total"] == 2
    assert api.get("/search", query_string={"q": "過熱", "kind": "issue"}).json["total"] == 1
    page1 = api.get("/search", query_string={"q": "過熱", "per_page": 2, "page": 1}).json
    page2 = api.get("/search", query_string={"q": "過熱", "per_page": 2, "page": 2}).json
    assert page1["total"] == page2["total"] == 3
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert not keys(page1) & keys(page2)
    by_date = api.get("/search", query_string={"q": "過熱", "sort": "date"}).json["items"]
    dates = [i["updated"] for i in by_date]
    assert dates == sorted(dates, reverse=True)
    assert api.get("/search", query_string={"q": "x", "sort": "random"}).status_code == 400


def test_phrases_and_and_by_default(api_as, people, corpus):
    api = api_as(people["leader"])
    assert ("document", corpus["analysis"].id) in keys(
        api.get("/search", query_string={"q": '"導熱膏 塗布"'}).json
    )
    assert api.get("/search", query_string={"q": '"塗布導熱膏"'}).json["total"] == 0
    assert api.get("/search", query_string={"q": "導熱膏 watchdog"}).json["total"] == 0


def test_highlights_are_sanitised(api_as, people, make_document):
    document = make_document(
        people["rd"], title="XSS", content="過熱 <img src=x onerror=alert(1)> <script>x</script>\n"
    )
    approve(api_as, people, document)
    hit = api_as(people["rd"]).get("/search", query_string={"q": "過熱"}).json["items"][0]
    html = " ".join(hit["highlights"])
    assert "<mark>過熱</mark>" in html and "<img" not in html and "<script" not in html


def test_search_page_shows_highlights_and_facets(client, login, people, corpus):
    login(people["support"])
    page = client.get("/search?q=过热").get_data(as_text=True)
    assert "<mark>過熱</mark>" in page and "B2311" not in page
    assert 'class="facets"' in page


def test_similar_past_reports(api_as, people, corpus):
    api = api_as(people["support"])
    other = api.post(
        "/issues",
        json={
            "title": "X200 夏季過熱跳 E03",
            "phenomenon": "高溫環境過熱保護停機",
            "source": "internal",
            "product": "X200",
        },
    ).json
    api.post(
        "/issues",
        json={"title": "Hotline callback slow", "phenomenon": "waited three days", "source": "internal"},
    )
    similar = api.get(f"/issues/{corpus['issue']['id']}/similar").json["items"]
    ids = [(s["kind"], s["id"]) for s in similar]
    assert ("issue", other["id"]) in ids
    assert ("document", corpus["analysis"].id) in ids
    assert ("issue", corpus["issue"]["id"]) not in ids
    assert all(s["title"] != "Hotline callback slow" for s in similar)


def outbox_count():
    """Changes this node has still to apply."""
    return indexer.status(current_app.config)["index_lag"]


def settle(timeout: float = 60) -> int:
    """Drain until this node's cursor is past every change (on PostgreSQL
    the cursor waits for older transactions anywhere on the shared server)."""
    done = indexer.drain(current_app.config)
    deadline = time.monotonic() + timeout
    while outbox_count() and time.monotonic() < deadline:
        time.sleep(0.1)
        done += indexer.drain(current_app.config)
    return done


def test_outbox_is_replayed_after_a_crash(app, api_as, people, make_document, monkeypatch):
    app.config["SEARCH_INLINE_INDEXING"] = False
    indexer.drain(app.config)  # this node's index exists (built from the empty database)
    document = make_document(people["rd"], title="Crash test", content="密封不良改善\n")
    approve(api_as, people, document)
    second = make_document(people["rd"], title="Second", content="密封不良第二份\n")
    approve(api_as, people, second)
    assert outbox_count() > 0
    calls = {"n": 0}
    real_apply = indexer._apply

    def crash_midway(writer, entries):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real_apply(writer, entries)

    monkeypatch.setattr(indexer, "_apply", crash_midway)
    with pytest.raises(RuntimeError):
        indexer.drain(app.config)
    assert outbox_count() > 0  # nothing was acknowledged
    monkeypatch.setattr(indexer, "_apply", real_apply)
    assert settle() > 0
    assert outbox_count() == 0
    result = api_as(people["rd"]).get("/search", query_string={"q": "密封不良"}).json
    assert keys(result) == {("document", document.id), ("document", second.id)}


def test_replay_after_index_commit_is_harmless(app, api_as, people, make_document, monkeypatch):
    """A crash after the index commit but before the cursor is recorded
    applies the same changes twice: no duplicates."""
    app.config["SEARCH_INLINE_INDEXING"] = False
    indexer.drain(app.config)
    document = make_document(people["rd"], title="Twice", content="軸承異音\n")
    approve(api_as, people, document)
    real_write = indexer._write_cursor

    def killed(path, position):
        raise RuntimeError("killed before recording the cursor")

    monkeypatch.setattr(indexer, "_write_cursor", killed)
    with pytest.raises(RuntimeError):
        settle()  # raises once the changes are settled and the cursor would move
    monkeypatch.setattr(indexer, "_write_cursor", real_write)
    assert outbox_count() > 0  # the cursor did not move: the changes are applied again
    settle()
    result = api_as(people["rd"]).get("/search", query_string={"q": "軸承異音"}).json
    assert result["total"] == 1


def test_rebuild_recreates_the_index_from_the_database(app, runner, api_as, people, corpus):
    from pathlib import Path

    from app.search import index

    before = index.current_dir(app.config)
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "indexed 3 documents and 1 problem reports" in result.output
    after = index.current_dir(app.config)
    assert after != before and not Path(before).exists()
    assert api_as(people["leader"]).get("/search", query_string={"q": "过热"}).json["total"] == 3
    assert api_as(people["support"]).get("/search", query_string={"q": "过热"}).json["total"] == 2
    settle()
    status = runner.invoke(args=["search", "status"])
    assert '"index_lag": 0' in status.output


def test_health_reports_the_outbox_lag_to_admins(app, client, api_as, people, make_user, make_document):
    app.config["SEARCH_INLINE_INDEXING"] = False
    admin = api_as(make_user("admin", "IT"))
    make_document(people["rd"], title="lag")
    body = admin.get("/health").json
    assert body["index_lag"] >= 1
    assert "index_lag" not in client.get("/api/v1/health").json  # not without a login
    settle()
    assert admin.get("/health").json["index_lag"] == 0


def test_search_work_once(app, runner, people, make_document):
    app.config["SEARCH_INLINE_INDEXING"] = False
    make_document(people["rd"], title="worker")
    result = runner.invoke(args=["search", "work", "--once"])
    assert result.exit_code == 0 and "applied" in result.output
    assert indexer.check(app.config)["missing"] == []


def test_rebuild_applies_the_changes_made_during_the_build(app, api_as, people, make_document, monkeypatch):
    app.config["SEARCH_INLINE_INDEXING"] = False
    make_document(people["rd"], title="before the rebuild", content="密封不良\n")
    pending_before = outbox_count()
    assert pending_before > 0
    late = {}
    real_batches = indexer._batches

    def change_during_build(session, model, batch):
        # A change committed while the rebuild is reading: it must survive.
        if model is indexer.Document and not late:
            late["document"] = make_document(people["rd"], title="during the rebuild", content="軸承異音\n")
        yield from real_batches(session, model, batch)

    monkeypatch.setattr(indexer, "_batches", change_during_build)
    result = indexer.rebuild(app.config)
    # The build covered the log up to its start; the late change came after
    # that position and was applied by the catch-up.
    assert result["changes_applied"] >= 1
    settle()
    assert outbox_count() == 0
    # The late document (a draft, found by its author) is in the new index.
    hits = api_as(people["rd"]).get("/search", query_string={"q": "軸承異音"}).json
    assert [(i["id"], i["variant"]) for i in hits["items"]] == [(late["document"].id, "draft")]


def test_similar_reports_on_the_report_page_link_by_kind(client, login, api_as, people, corpus):
    login(people["support"])
    page = client.get(f"/issues/{corpus['issue']['id']}").get_data(as_text=True)
    section = page.split("Similar past reports", 1)[1]
    assert f'href="/documents/{corpus["analysis"].id}"' in section
    assert f'href="/issues/{corpus["analysis"].id}"' not in section


def test_kana_hangul_and_cyrillic_words_are_found(api_as, people, make_document):
    document = make_document(people["rd"], title="多言語マニュアル",
                             content="こんにちは、お客様。안녕하세요 고객님. Привет, клиент! Καλημέρα. สวัสดีครับ\n")
    approve(api_as, people, document)
    api = api_as(people["support"])
    for word in ("こんにちは", "안녕하세요", "Привет", "привет", "καλημέρα", "สวัสดี", "マニュアル"):
        result = api.get("/search", query_string={"q": word}).json
        assert keys(result) == {("document", document.id)}, word
        if word != "マニュアル":  # in the title only
            assert "<mark>" in " ".join(result["items"][0]["highlights"]), word


def test_snippets_one_per_passage_without_markdown(api_as, people, make_document):
    filler = "這一段說明安裝步驟與注意事項，請依序操作。" * 6
    content = (f"# 過熱保護\n\n{filler}\n\n## 散熱\n\n**過熱**時請檢查風扇。{filler}\n\n"
               f"- 過熱 警告一\n\n{filler}\n\n> 過熱紀錄\n\n{filler}\n\n過熱 again\n")
    document = make_document(people["rd"], title="Markdown manual", content=content, filename="manual.md")
    approve(api_as, people, document)
    hit = api_as(people["rd"]).get("/search", query_string={"q": "過熱"}).json["items"][0]
    fragments = hit["highlights"]
    assert 1 <= len(fragments) <= 3
    assert len(set(fragments)) == len(fragments)
    for fragment in fragments:
        assert "<mark>過熱</mark>" in fragment
        text = fragment.replace("<mark>", "").replace("</mark>", "")
        assert "#" not in text and "**" not in text and "&gt;" not in text and "- " not in text


def test_result_links_open_the_version_with_the_terms_marked(client, login, people, corpus):
    login(people["support"])
    page = client.get("/search?q=过热").get_data(as_text=True)
    assert f'/documents/{corpus["analysis"].id}/versions/1?hl=' in page
    document = client.get(f'/documents/{corpus["analysis"].id}/versions/1?hl=过热').get_data(as_text=True)
    assert "<mark>過熱</mark>" in document
    assert "<script" not in client.get(f'/documents/{corpus["analysis"].id}/versions/1?hl=<script>').get_data(
        as_text=True).split("doc-text", 1)[1].split("</pre>", 1)[0]


def test_a_killed_rebuild_resumes_where_it_committed(app, api_as, people, corpus, monkeypatch):
    calls = {"n": 0}
    real_apply_new = indexer._apply_new

    def killed_after_two(writer, entries):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real_apply_new(writer, entries)

    monkeypatch.setattr(indexer, "_apply_new", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        indexer.rebuild(app.config, batch_size=1, commit_every=1)
    monkeypatch.setattr(indexer, "_apply_new", real_apply_new)
    result = indexer.rebuild(app.config, batch_size=1, commit_every=1)
    assert result["resumed"] is True
    assert result["document"] == 3 and result["issue"] == 1
    assert indexer.check(app.config)["missing"] == []
    assert api_as(people["leader"]).get("/search", query_string={"q": "过热"}).json["total"] == 3


def test_an_index_of_an_older_schema_is_rebuilt_by_the_indexer(app, api_as, people, corpus):
    from app.search import index

    pointer = index.index_root(app.config) / index.POINTER
    pointer.write_text(pointer.read_text().split()[0] + "\n")  # as written before schema versions
    assert not index.schema_is_current(app.config)
    indexer.drain(app.config)
    assert index.schema_is_current(app.config)
    assert api_as(people["leader"]).get("/search", query_string={"q": "过热"}).json["total"] == 3


def test_health_does_not_open_the_index_per_call(app, client, people, make_document, monkeypatch):
    import whoosh.index

    make_document(people["rd"], title="health")
    client.get("/api/v1/health")
    opened = []
    real_open_dir = whoosh.index.open_dir
    monkeypatch.setattr(whoosh.index, "open_dir", lambda *a, **k: opened.append(a) or real_open_dir(*a, **k))
    for _ in range(5):
        assert client.get("/api/v1/health").json["status"] == "ok"
    assert opened == []
