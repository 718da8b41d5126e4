"""The interface speaks Traditional Chinese, Simplified Chinese and English."""

from __future__ import annotations


def test_pages_follow_the_browser_language(client, login, make_user, make_document):
    author = make_user("author", "RD")
    make_document(author)
    login(author)
    hant = client.get("/documents/", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "新增文件" in hant and "權責部門" not in hant  # list page labels
    assert 'class="sort" href="/documents/?sort=title&amp;page=1">標題</a>' in hant  # a sortable header
    hans = client.get("/documents/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "新建文档" in hans and ">标题</a>" in hans
    english = client.get("/documents/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "New document" in english and ">Title</a>" in english


def test_user_choice_wins_and_dates_are_localised(client, login, make_user, make_document):
    author = make_user("author", "RD")
    document = make_document(author)
    login(author)
    client.post("/language/zh_Hant", data={"next": "/"})
    page = client.get(f"/documents/{document.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "上傳新版本" in page
    assert "年" in page  # e.g. 2026年11月24日 from Babel's zh_Hant date format
    client.post("/language/en", data={"next": "/"})
    page = client.get(f"/documents/{document.id}", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "Upload a new version" in page


def test_flash_messages_and_form_labels_are_translated(client, login, make_user):
    login(make_user("author", "RD"))
    page = client.get("/documents/new", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "变更说明" in page and "文档类型" in page
