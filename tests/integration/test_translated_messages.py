"""Every message a user sees comes from the catalogues (issue 18): service
errors on pages and in the API, Werkzeug's and Flask-Login's texts, form
validation, notifications, plural forms and one date/time format per locale."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.extensions import db
from tests.factories import DEFAULT_PASSWORD as PW

ZH_HANT = {"Accept-Language": "zh-TW"}
ZH_HANS = {"Accept-Language": "zh-CN"}


def test_api_error_carries_code_english_and_translated_message(api_as, make_user):
    api = api_as(make_user("author"))
    body = api.get("/documents/99999", headers=ZH_HANT).json["error"]
    assert body["code"] == "not_found"
    assert body["message"] == "document 99999 not found"
    assert body["localized_message"] == "找不到文件 99999" and body["locale"] == "zh_Hant"
    assert body["params"] == {"document_id": 99999}
    english = api.get("/documents/99999").json["error"]
    assert english["localized_message"] == english["message"] == "document 99999 not found"


def test_api_validation_error_is_translated(api_as, make_user):
    api = api_as(make_user("support", "CS"))
    response = api.post("/issues", json={"title": "異音", "phenomenon": "x", "source": "internal",
                                         "found_at": "昨天下午"}, headers=ZH_HANS)
    body = response.json["error"]
    assert response.status_code == 400 and body["field"] == "found_at"
    assert body["message"] == "found_at is not an ISO date/time: '昨天下午'"
    assert body["localized_message"] == "发现时间不是有效的日期／时间（YYYY-MM-DD HH:MM）：'昨天下午'"
    schema = api.post("/issues", json={"title": 5}, headers=ZH_HANT).json["error"]
    assert schema["code"] == "invalid_field" and "不是有效的字串" in schema["localized_message"]


def test_pages_show_service_and_werkzeug_errors_translated(client, login, make_user):
    login(make_user("author"))
    client.post("/language/zh_Hant")
    missing = client.get("/documents/99999")
    assert missing.status_code == 404 and "找不到文件 99999" in missing.get_data(as_text=True)
    unknown = client.get("/no-such-page")
    page = unknown.get_data(as_text=True)
    assert unknown.status_code == 404 and "您要求的頁面或項目不存在" in page and "The requested URL" not in page
    client.post("/language/zh_Hans")
    wrong_method = client.delete("/documents/")
    assert wrong_method.status_code == 405 and "此网址不接受这种要求" in wrong_method.get_data(as_text=True)
    bad_arg = client.get("/documents/?page=abc")
    assert bad_arg.status_code == 400 and "page" in bad_arg.get_data(as_text=True)
    assert "must be a whole number" not in bad_arg.get_data(as_text=True)


def test_login_prompt_is_translated(client):
    response = client.get("/documents/", headers=ZH_HANT, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "請先登入才能存取此頁面。" in page and "Please log in" not in page


def test_form_errors_use_traditional_chinese_in_zh_hant(client, login, make_user):
    login(make_user("author"))
    client.post("/language/zh_Hant")
    page = client.post("/documents/new", data={"title": ""}).get_data(as_text=True)
    assert "此欄位是必需的。" in page and "该字段是必填字段。" not in page
    client.post("/language/zh_Hans")
    page = client.post("/documents/new", data={"title": ""}).get_data(as_text=True)
    assert "该字段是必填字段。" in page


def test_english_counts_use_the_singular_for_one(client, login, make_user, make_document):
    author = make_user("author")
    make_document(author)
    login(author)
    client.post("/language/en")
    page = client.get("/documents/").get_data(as_text=True)
    assert "1 document" in page and "1 documents" not in page


def test_notifications_are_shown_in_the_readers_language(client, login, api_as, make_user, make_document):
    author, head = make_user("author"), make_user("dept_head")
    document = make_document(author, title="X200 說明書")
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(author).post(base, json={"action": "submit"})
    api_as(head).post(base, json={"action": "reject", "password": PW, "comment": "請補充數據"})
    api_zh = api_as(author).get("/notifications", headers=ZH_HANS).json["items"][0]["message"]
    assert "已被" in api_zh and "驳回" in api_zh
    login(author)
    client.post("/language/zh_Hant")
    page = client.get("/notifications").get_data(as_text=True)
    assert f"已被 {head.name} 駁回：請補充數據" in page and "rejected by" not in page
    client.post("/language/en")
    assert f"rejected by {head.name}: 請補充數據" in client.get("/notifications").get_data(as_text=True)


def test_history_shows_labels_not_codes(client, login, api_as, make_user, make_document):
    author = make_user("author")
    document = make_document(author)
    api_as(author).post(f"/documents/{document.id}/versions/1/actions", json={"action": "submit"})
    login(author)
    client.post("/language/zh_Hant")
    page = client.get(f"/documents/{document.id}/history").get_data(as_text=True)
    assert "上傳版本" in page and "送審" in page and "審核中" in page
    for code in ("upload_version", "in_review", ">submit<", ">draft<"):
        assert code not in page


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("zh_Hant", "2026年11月26日 15:30"), ("zh_Hans", "2026年11月26日 15:30"), ("en", "Nov 26, 2026, 3:30\u202fPM")],
)
def test_one_date_time_format_per_locale(app, locale, expected):
    from flask_babel import force_locale

    from app.i18n import format_when

    moment = datetime(2026, 11, 26, 7, 30, 5, tzinfo=UTC)  # 15:30 in Asia/Taipei
    with app.test_request_context("/"), force_locale(locale):
        assert format_when(moment).replace(" ", " ") == expected.replace(" ", " ")
        assert format_when(moment.date()) == expected.rsplit(" ", 1)[0].rstrip(",")


def test_error_with_a_date_shows_it_in_the_readers_format(client, login, make_user, make_document):
    from app.documents import checkout

    holder = make_user("author")
    other = make_user("author", email="other@example.com")
    document = make_document(holder)
    checkout.check_out(holder, document)
    db.session.commit()
    login(other)
    client.post("/language/zh_Hant")
    response = client.post(f"/documents/{document.id}/checkin", data={}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "起已簽出" in page and "UTC" not in page


def test_codes_inside_messages_become_labels(api_as, make_user, make_document):
    author, head = make_user("author"), make_user("dept_head")
    document = make_document(author)
    response = api_as(head).post(
        f"/documents/{document.id}/versions/1/actions", json={"action": "approve", "password": PW}, headers=ZH_HANT
    )
    body = response.json["error"]
    assert response.status_code == 409 and body["code"] == "invalid_transition"
    assert body["message"] == "cannot approve a version that is Draft"
    assert body["localized_message"] == "無法對「草稿」的版本執行「核准」"
    assert "draft" not in body["localized_message"] and "approve" not in body["localized_message"]


def test_metrics_name_their_buckets(client, login, api_as, make_user):
    support, leader = make_user("support", "CS"), make_user("leader", "MGMT")
    created = api_as(support).post(
        "/issues", json={"title": "X200 異音", "phenomenon": "運轉異音", "source": "internal", "product": "X200"}
    )
    assert created.status_code == 201
    login(leader)
    client.post("/language/zh_Hant")
    page = client.get("/issues/metrics").get_data(as_text=True)
    assert "尚未分類" in page and "尚未指定部門" in page and "尚未評定嚴重度" in page
    text = re.sub(r"<[^>]+>", " ", page)  # codes may stay in class names
    for code in ("unclassified", "unassigned"):
        assert code not in text


def test_field_names_inside_messages_are_translated(app):
    from flask_babel import force_locale

    from app import limits
    from app.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        limits.check_length("x" * 301, 300, "title")
    assert str(refused.value) == "title is longer than 300 characters"  # English keeps the field's name
    with app.test_request_context("/"), force_locale("zh_Hant"):
        assert refused.value.message == "標題 超過 300 個字元"
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert refused.value.message == "标题 超过 300 个字符"
