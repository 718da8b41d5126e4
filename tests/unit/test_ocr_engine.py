"""OCR text handling without Tesseract: cleaning, script drift detection,
and the page numbers of search hits in a text with form-feed page breaks."""

from __future__ import annotations

from app.ocr import engine
from app.search.highlight import hit_pages, query_terms
from app.search.service import parse


def test_clean_joins_chinese_read_character_by_character():
    assert engine.clean("進 料 檢 驗 記 錄\n\n\n\nBatch 3  passed \x0c") == "進料檢驗記錄\n\nBatch 3  passed"


def test_script_drift_is_detected_only_on_a_mixed_page():
    simplified = "产品质量问题分析报告电机过热客户投诉三次需要更换导热膏并增加散热风扇组装作业"
    traditional = "產品質量問題分析報告電機過熱客戶投訴三次需要更換導熱膏並增加散熱風扇組裝作業"
    assert not engine.mixed_scripts(simplified) and not engine.mixed_scripts(traditional)
    assert engine.mixed_scripts(simplified[:20] + traditional[20:])
    assert not engine.mixed_scripts("short 電机")  # too few characters to judge


def test_hit_pages_counts_form_feeds():
    text = "first page about torque\fsecond page\f第三頁 過熱保護 and torque again"
    runs, words = query_terms(parse("torque"))
    assert hit_pages(text, runs, words) == [1, 3]
    runs, words = query_terms(parse("过热保护"))  # Simplified query, Traditional text
    assert hit_pages(text, runs, words) == [3]
    assert hit_pages("no page breaks torque", *query_terms(parse("torque"))) == []
