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
    "NOT " * 120 + "x",
    "(" * 240 + "x" + ")" * 240,
    " ".join(["ab"] * 166),  # as many terms as the 500-character limit holds
    "AND OR NOT ANDNOT",
    '"unclosed phrase',
    "title:",
    "x^^^~~~**??",
])
def test_queries_that_trip_the_parser_still_answer(api, q):
    response = api.get("/search", query_string={"q": q})
    assert response.status_code == 200, response.json
    assert response.json["total"] >= 0
