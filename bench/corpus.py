"""A reproducible synthetic corpus: product problem reports and analyses in
Traditional Chinese, Simplified Chinese, mixed, and English (about 2 KB
each), built from realistic vocabulary of products, faults and processes."""

from __future__ import annotations

import random

PRODUCTS = ["X200", "X300", "M10", "M20", "S5", "T800", "P100", "C5"]
BATCH = ["B2311", "B2312", "B2401", "B2405", "B2410", "B2502"]
TRAD = {
    "faults": ["馬達過熱", "運轉異音", "密封不良", "韌體當機", "電源故障", "軸承磨損", "接觸不良", "外殼破裂",
               "螺絲鬆動", "導熱膏不均", "通訊中斷", "溫度過高", "電壓異常", "漏水", "振動過大"],
    "process": ["出貨檢驗", "高溫老化測試", "來料檢驗", "組裝作業", "網版印刷", "氣密測試", "首件檢查",
                "抽樣檢驗", "矯正措施", "原因分析", "效果確認", "設計變更"],
    "words": ["客戶投訴", "產品質量", "說明書", "規格書", "供應商", "生產線", "品管部", "研發部", "散熱片",
              "功率模組", "控制器", "環境溫度", "鎖附扭力", "改善計畫", "不良率", "交貨延遲"],
    "glue": ["，", "。", "；", "並且", "因此", "但是", "經過", "發現", "導致", "需要", "已經", "確認"],
}
SIMP = {
    "faults": ["电机过热", "运转异音", "密封不良", "固件死机", "电源故障", "轴承磨损", "接触不良", "外壳破裂",
               "螺丝松动", "导热膏不均", "通讯中断", "温度过高", "电压异常", "漏水", "振动过大"],
    "process": ["出货检验", "高温老化测试", "来料检验", "组装作业", "网版印刷", "气密测试", "首件检查",
                "抽样检验", "纠正措施", "原因分析", "效果确认", "设计变更"],
    "words": ["客户投诉", "产品质量", "说明书", "规格书", "供应商", "生产线", "品管部", "研发部", "散热片",
              "功率模块", "控制器", "环境温度", "锁附扭力", "改善计划", "不良率", "交货延迟"],
    "glue": ["，", "。", "；", "并且", "因此", "但是", "经过", "发现", "导致", "需要", "已经", "确认"],
}
ENGLISH = {
    "faults": ["motor overheating", "abnormal noise", "seal leak", "firmware crash", "power failure",
               "bearing wear", "loose contact", "cracked housing", "loose screws", "uneven thermal paste",
               "communication loss", "high temperature", "voltage spike", "water ingress", "excess vibration"],
    "process": ["outgoing inspection", "burn-in test", "incoming inspection", "assembly", "screen printing",
                "air-leak test", "first-article check", "sampling inspection", "corrective action",
                "root-cause analysis", "verification", "design change"],
    "words": ["customer complaint", "product quality", "user manual", "specification", "supplier",
              "production line", "quality control", "R&D", "heat sink", "power module", "controller",
              "ambient temperature", "torque", "improvement plan", "defect rate", "late delivery"],
    "glue": [",", ".", ";", "and", "therefore", "but", "after", "found", "caused", "requires", "already"],
}
CATEGORIES = ["technical", "quality", "market", "customer"]
DEPARTMENTS = ["RD", "PROD", "QC", "CS", "MKT"]


def _topic(rng: random.Random) -> dict:
    """What one report is about: one product and batch, two faults, two
    processes. Real reports repeat their topic and mention the rest of the
    vocabulary only in passing, so term frequencies are skewed."""
    return {"product": rng.choice(PRODUCTS), "batch": rng.choice(BATCH),
            "faults": rng.sample(range(len(ENGLISH["faults"])), 2),
            "process": rng.sample(range(len(ENGLISH["process"])), 2)}


def _pick(rng: random.Random, vocab: dict, topic: dict, kind: str) -> str:
    if kind in ("faults", "process") and rng.random() < 0.85:
        return vocab[kind][rng.choice(topic[kind])]
    if kind == "words" and rng.random() < 0.5:
        return vocab[kind][rng.randrange(4)]  # a few words are everywhere
    return rng.choice(vocab[kind])


def _chinese(rng: random.Random, vocab: dict, length: int, topic: dict) -> str:
    out = []
    while sum(map(len, out)) < length:
        kind = rng.choice(["faults", "process", "words", "words", "glue", "glue"])
        out.append(_pick(rng, vocab, topic, kind))
        if rng.random() < 0.06:
            out.append(topic["product"] if rng.random() < 0.7 else topic["batch"])
    return "".join(out)


def _english(rng: random.Random, length: int, topic: dict) -> str:
    out = []
    while sum(len(w) + 1 for w in out) < length:
        kind = rng.choice(["faults", "process", "words", "words", "glue", "glue"])
        out.append(_pick(rng, ENGLISH, topic, kind))
        if rng.random() < 0.06:
            out.append(topic["product"] if rng.random() < 0.7 else topic["batch"])
    return " ".join(out)


def make_document(rng: random.Random, n: int) -> dict:
    """About 2 KB of UTF-8: ~650 CJK characters, or ~2,000 Latin ones."""
    topic = _topic(rng)
    style = n % 3
    if style == 0:
        body = _chinese(rng, TRAD, 600, topic) + " " + _english(rng, 120, topic)
    elif style == 1:
        body = _chinese(rng, SIMP, 600, topic) + " " + _english(rng, 120, topic)
    else:
        body = _chinese(rng, TRAD, 300, topic) + _chinese(rng, SIMP, 300, topic) + " " + _english(rng, 120, topic)
    if n % 7 == 0:
        body = _english(rng, 1900, topic)
    title_vocab = TRAD if style == 0 else SIMP
    title = (f"{topic['product']} {title_vocab['faults'][topic['faults'][0]]}"
             f"{title_vocab['process'][topic['process'][0]]}")
    return {"id": n, "title": title, "body": body, "category": CATEGORIES[n % 4],
            "department": DEPARTMENTS[n % 5], "product": topic["product"],
            "confidentiality": "restricted" if n % 10 == 0 else "internal"}


def generate(count: int, seed: int = 2026):
    rng = random.Random(seed)
    for n in range(count):
        yield make_document(rng, n)
