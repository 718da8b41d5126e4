"""Demo plans, walked through the real workflow: one found effective at
its first check, one sent back as not effective with a new action."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.service import user_by_email
from app.clock import company_today
from app.documents.models import Document
from app.extensions import db
from app.improvement import service
from app.improvement.models import Plan
from app.issues import customer as issue_customer
from app.issues.models import Issue

EFFECTIVE = "X200 過熱改善措施計畫"
SENT_BACK = "M10 異音改善措施計畫"


def _issue(title: str) -> Issue | None:
    return db.session.scalar(select(Issue).where(Issue.title == title))


def _due(days: int) -> str:
    return (company_today() + timedelta(days=days)).isoformat()


def _link(plan: Plan, actor, documents: dict[str, Document], key: str, number: int, relation: str) -> None:
    document = documents.get(key)
    if document is not None and document.version(number) is not None:
        service.link_document(actor, plan, document.id, number, relation)


def load_plans(documents: dict[str, Document]) -> None:
    leader = user_by_email("leader@doctrack.local")
    qc = user_by_email("qc@doctrack.local")
    author = user_by_email("author@doctrack.local")
    support = user_by_email("support@doctrack.local")
    if db.session.scalar(select(Plan).where(Plan.title == EFFECTIVE)) is None:
        x200 = _issue("X200 夏季高溫跳 E03 過熱保護")
        plan = service.create_plan(
            author,
            {
                "kind": "improvement",
                "title": EFFECTIVE,
                "department": "RD",
                "product": "X200",
                "problem": "X200 夏季高溫環境重複發生 E03 過熱停機（華東區三家客戶）。",
                "root_cause": "導熱膏手工塗布厚度不均；自然對流散熱在 38°C 以上不足。",
                "goal": "改善後三個月內 X200 過熱投訴為零；45°C 連續 72 小時測試無 E03。",
                "check_date": company_today().isoformat(),
                "issue_ids": [x200.id] if x200 else [],
            },
        )
        for kind, text in (
            ("containment", "B2311 批次客戶現場加裝臨時風扇"),
            ("corrective", "導熱膏改網版印刷，厚度 0.1±0.02 mm"),
            ("preventive", "說明書 v2 增加散熱與安裝扭力說明"),
        ):
            service.add_measure(
                author, plan, {"type": kind, "description": text, "owner_id": author.id, "due_date": _due(14)}
            )
        _link(plan, author, documents, "x200-overheat", 2, "analysis")
        _link(plan, author, documents, "x200-manual", 2, "changed")
        service.act(plan, "submit", actor=author)
        service.act(plan, "approve", actor=leader, comment="同意執行", system=True)
        for measure in plan.measures:
            service.update_measure(author, plan, measure.id, {"status": "done", "progress": "已完成並驗證"})
        service.act(plan, "check", actor=qc, effective=True, comment="72 小時測試通過，無新投訴")
        if x200 is not None and x200.source == "customer" and not x200.follow_ups and x200.replies:
            issue_customer.add_follow_up(support, x200, {"score": 4, "comment": "問題已解決，希望更早回覆"})
    if db.session.scalar(select(Plan).where(Plan.title == SENT_BACK)) is None:
        m10 = _issue("M10 电机 1500 rpm 附近异音")
        qc_head = user_by_email("qc.head@doctrack.local")
        plan = service.create_plan(
            qc_head,
            {
                "kind": "improvement",
                "title": SENT_BACK,
                "department": "QC",
                "product": "M10",
                "problem": "M10 在 1,500 rpm 附近周期性異音。",
                "root_cause": "風扇葉片與支架共振。",
                "goal": "1,500 rpm 噪音低於 65 dB(A)，異音投訴為零。",
                "check_date": company_today().isoformat(),
                "issue_ids": [m10.id] if m10 else [],
            },
        )
        service.add_measure(
            qc_head,
            plan,
            {"type": "corrective", "description": "支架加裝減振墊", "owner_id": qc.id, "due_date": _due(10)},
        )
        service.act(plan, "submit", actor=qc_head)
        service.act(plan, "approve", actor=leader, comment="同意", system=True)
        service.update_measure(qc, plan, plan.measures[0].id, {"status": "done", "progress": "已加裝"})
        service.act(plan, "check", actor=qc, effective=False, comment="實測 70 dB(A)，仍高於目標")
        service.add_measure(
            qc_head,
            plan,
            {
                "type": "preventive",
                "description": "風扇葉片改為不等距設計",
                "owner_id": qc.id,
                "due_date": _due(30),
            },
        )
    db.session.commit()
