"""No 500 from any input: bodies nested too deeply for the JSON parser and
queries that trip Whoosh's parser get an answer in the 4xx range, or a
result, on every operation."""

from __future__ import annotations

import re

import pytest

DEEP = "[" * 50_000 + "]" * 50_000


@pytest.fixture
def api(api_as, make_user):
    return api_as(make_user("support", "CS"))


def json_operations(client) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").json
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                found.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return found


def test_a_body_nested_too_deeply_is_400_on_every_json_operation(client, api):
    operations = json_operations(client)
    assert len(operations) >= 8  # the walk sees the API
    for method, path in operations:
        response = getattr(api, method)(path, data=DEEP, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 404), (method, path, response.status_code)
        if response.status_code == 400:
            assert response.json["error"]["code"] == "input_too_deep", (method, path)


@pytest.mark.parametrize("q", [
    "NOT " * 30 + "x",
    "NOT" * 120 + "x",
    "(" * 240 + "x" + ")" * 240,
    " ".join(["ab"] * 40),  # as many words as the limit allows
    "AND OR NOT ANDNOT",
    '"unclosed phrase',
    "title:",
    "x^^^~~~**??",
])
def test_queries_that_trip_the_parser_still_answer(api, q):
    response = api.get("/search", query_string={"q": q})
    assert response.status_code == 200, response.json
    assert response.json["total"] >= 0


# --- The bounds, each refused with a code naming it (issue 20) -------------


def test_a_json_body_over_the_size_limit_is_refused_before_parsing(api, app):
    app.config["JSON_MAX_BYTES"] = 4096
    body = '{"title": "' + "x" * 5000 + '", "phenomenon": "p"}'
    response = api.post("/issues", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json["error"]["code"] == "body_too_large"
    assert "4 KB" in response.json["error"]["message"]
    assert api.get("/issues").json["total"] == 0  # nothing stored


def test_nesting_just_past_the_depth_limit_is_400_naming_it(api, app):
    limit = app.config["JSON_MAX_DEPTH"]
    ok = {"title": "t", "phenomenon": "p", "x": [[]]}
    assert api.post("/issues", json=ok).status_code in (201, 400)
    deep: list = []
    for _ in range(limit):
        deep = [deep]
    response = api.post("/issues", json={"title": "t", "phenomenon": "p", "x": deep})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "input_too_deep"
    assert str(limit) in response.json["error"]["message"]


@pytest.mark.parametrize("body, code", [
    ('{"title": "a\\u0000b", "phenomenon": "p"}', "invalid_character"),
    ('{"title": "a\\ud800b", "phenomenon": "p"}', "invalid_encoding"),
    (b'{"title": "\xff\xfe", "phenomenon": "p"}', "invalid_encoding"),
])
def test_text_no_column_can_hold_is_refused_not_stored(api, body, code):
    response = api.post("/issues", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == code
    assert api.get("/issues").json["total"] == 0


def test_a_nul_in_the_query_string_or_a_form_is_refused(api, client, login, make_user):
    response = api.get("/search", query_string={"q": "X200\x00"})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_character"
    login(make_user("author", "RD"))
    page = client.post("/issues/new", data={"title": "a\x00b", "phenomenon": "p"},
                       headers={"Accept-Language": "zh-Hant"})
    assert page.status_code == 400
    assert "NUL 字元" in page.get_data(as_text=True)


def test_search_bounds_name_the_limit_in_the_readers_language(api, client, login, make_user):
    from app import limits

    too_long = api.get("/search", query_string={"q": "x" * (limits.SEARCH_QUERY + 1)},
                       headers={"Accept-Language": "zh-Hans"})
    assert too_long.status_code == 400
    assert too_long.json["error"]["code"] == "query_too_long"
    assert str(limits.SEARCH_QUERY) in too_long.json["error"]["localized_message"]
    assert "字符" in too_long.json["error"]["localized_message"]
    many = " ".join(["ab"] * (limits.SEARCH_TERMS + 1))
    too_many = api.get("/search", query_string={"q": many}, headers={"Accept-Language": "zh-Hant"})
    assert too_many.status_code == 400
    assert too_many.json["error"]["code"] == "too_many_terms"
    assert f"{limits.SEARCH_TERMS} 個詞" in too_many.json["error"]["localized_message"]
    login(make_user("author", "RD"))
    page = client.get("/search", query_string={"q": many}, headers={"Accept-Language": "zh-Hant"})
    assert page.status_code == 400
    assert f"{limits.SEARCH_TERMS} 個詞" in page.get_data(as_text=True)


def test_a_search_past_its_time_bound_stops_with_400(api, app):
    api.post("/issues", json={"title": "X200 過熱停機", "phenomenon": "兩小時後停機"})
    assert api.get("/search", query_string={"q": "X200"}).json["total"] == 1
    app.config["SEARCH_TIMEOUT_MS"] = 0  # every search is past its deadline at once
    response = api.get("/search", query_string={"q": '"X200 過熱"'})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "search_timeout"
    app.config["SEARCH_TIMEOUT_MS"] = 3000
    assert api.get("/search", query_string={"q": "X200"}).json["total"] == 1  # the next one runs
