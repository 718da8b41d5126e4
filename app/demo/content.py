"""The demo data set: departments, one user per role, about twenty
documents in Traditional Chinese, Simplified Chinese and English with
realistic revisions, and problem reports linked to them.

Passwords here are for the local demo only; `flask demo` prints them.
"""

from __future__ import annotations


def revise(
    blocks: list, replace: dict[str, str] | None = None, add: list | None = None, drop: tuple[str, ...] = ()
) -> list:
    """A later version: the same blocks with phrases replaced, some blocks
    dropped (by a phrase they contain) and new blocks appended."""
    out = []
    for block in blocks:
        if isinstance(block, str):
            if any(phrase in block for phrase in drop):
                continue
            for old, new in (replace or {}).items():
                block = block.replace(old, new)
        elif isinstance(block, list):
            block = [[_sub(cell, replace) for cell in row] for row in block]
        out.append(block)
    return out + list(add or [])


def _sub(text: str, replace: dict | None) -> str:
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    return text


DEMO_DEPARTMENTS = [
    {"code": "RD", "name": "研發部 R&D"},
    {"code": "PROD", "name": "生產部 Production"},
    {"code": "MKT", "name": "市場部 Marketing"},
    {"code": "CS", "name": "客服部 Customer Service"},
    {"code": "QC", "name": "品質管理部 Quality Control"},
    {"code": "DA", "name": "文件管理室 Document Administration"},
    {"code": "MGMT", "name": "總經理室 Management"},
]

DEMO_USERS = [
    {
        "email": "admin@doctrack.local",
        "name": "系統管理員 Admin",
        "department": "DA",
        "roles": ["admin"],
        "password": "demo-admin-pass",
    },
    {
        "email": "leader@doctrack.local",
        "name": "王總經理 Wang (leader)",
        "department": "MGMT",
        "roles": ["leader"],
        "password": "demo-leader-pass",
    },
    {
        "email": "rd.head@doctrack.local",
        "name": "陳經理 Chen (RD head)",
        "department": "RD",
        "roles": ["dept_head"],
        "password": "demo-depthead-pass",
    },
    {
        "email": "author@doctrack.local",
        "name": "林工程師 Lin (RD author)",
        "department": "RD",
        "roles": ["author"],
        "password": "demo-author-pass",
    },
    {
        "email": "support@doctrack.local",
        "name": "張客服 Zhang (support)",
        "department": "CS",
        "roles": ["support"],
        "password": "demo-support-pass",
    },
    {
        "email": "qc@doctrack.local",
        "name": "黃品管 Huang (QC)",
        "department": "QC",
        "roles": ["qc"],
        "password": "demo-qc-pass",
    },
    {
        "email": "qc.head@doctrack.local",
        "name": "吳經理 Wu (QC head)",
        "department": "QC",
        "roles": ["dept_head", "qc"],
        "password": "demo-qchead-pass",
    },
    {
        "email": "cs.head@doctrack.local",
        "name": "李经理 Li (CS head)",
        "department": "CS",
        "roles": ["dept_head"],
        "password": "demo-cshead-pass",
    },
    {
        "email": "mkt@doctrack.local",
        "name": "Emily Tsai (marketing)",
        "department": "MKT",
        "roles": ["author"],
        "password": "demo-mkt-pass",
    },
    {
        "email": "mkt.head@doctrack.local",
        "name": "周经理 Zhou (MKT head)",
        "department": "MKT",
        "roles": ["dept_head"],
        "password": "demo-mkthead-pass",
    },
    {
        "email": "prod@doctrack.local",
        "name": "刘工艺 Liu (production)",
        "department": "PROD",
        "roles": ["author"],
        "password": "demo-prod-pass",
    },
    {
        "email": "prod.head@doctrack.local",
        "name": "郑经理 Zheng (PROD head)",
        "department": "PROD",
        "roles": ["dept_head"],
        "password": "demo-prodhead-pass",
    },
]

_X200_MANUAL_V1 = [
    ("h1", "一、產品概述"),
    "X200 智慧控制器用於工業風扇與輸送帶馬達的轉速控制，支援 RS-485 與 Modbus RTU 通訊，"
    "適用環境溫度為 0°C 至 40°C。本說明書適用於韌體版本 2.1 以上之 X200 控制器。",
    ("h1", "二、安裝步驟"),
    "1. 安裝前請先關閉主電源，並確認輸入電壓為 AC 220V ±10%。",
    "2. 以四顆 M4 螺絲將控制器固定於配電箱內，鎖附扭力為 1.2 N·m。",
    "3. 馬達接線請依端子台標示連接 U、V、W 三相，接地線須確實鎖固。",
    ("h1", "三、規格參數"),
    [["項目", "數值"], ["額定輸出功率", "750 W"], ["最高輸出頻率", "400 Hz"], ["散熱方式", "自然對流"]],
    ("h1", "四、故障排除"),
    "若面板顯示 E03（過熱保護），請檢查通風孔是否阻塞，並確認周圍溫度未超過 40°C。",
]
_X200_MANUAL_V2 = revise(
    _X200_MANUAL_V1,
    replace={
        "鎖附扭力為 1.2 N·m": "鎖附扭力為 1.5 N·m",
        "自然對流": "強制風冷（內建風扇）",
        "適用環境溫度為 0°C 至 40°C": "適用環境溫度為 -10°C 至 45°C",
    },
    add=["若 E03 在清潔通風孔後仍重複出現，請聯絡客服並提供批號（例如 B2311）與運轉紀錄。"],
)
_X200_MANUAL_V3 = revise(
    _X200_MANUAL_V2,
    replace={"2. 以四顆 M4 螺絲": "2. 以四顆 M4 不鏽鋼螺絲"},
    add=[("h1", "五、韌體升級"), "韌體 2.3 版新增過熱預警功能：溫度達 70°C 時面板顯示 W70 並自動降載 20%。"],
)

_X200_SPEC_V1 = [
    ("h1", "1. 適用範圍"),
    "本規格書規定 X200 智慧控制器之電氣、機構與環境要求，作為設計驗證與出貨檢驗之依據。",
    ("h1", "2. 電氣規格"),
    [
        ["參數", "規格", "備註"],
        ["輸入電壓", "AC 220V ±10%", "50/60 Hz"],
        ["額定電流", "4.2 A", ""],
        ["過熱保護點", "85°C", "散熱片溫度"],
    ],
    ("h1", "3. 環境要求"),
    "工作溫度 0°C 至 40°C，相對濕度 90% 以下不結露；防護等級 IP20。",
    "可靠度：平均故障間隔時間 MTBF 不低於 50,000 小時。",
]
_X200_SPEC_V2 = revise(
    _X200_SPEC_V1,
    replace={
        '過熱保護點", "85°C': '過熱保護點", "80°C',
        "85°C": "80°C",
        "工作溫度 0°C 至 40°C": "工作溫度 -10°C 至 45°C",
    },
    add=["變更說明：依 B2311 批次過熱分析結果，過熱保護點下修至 80°C，並改為強制風冷。"],
)

_M10_DESIGN_V1 = [
    ("h1", "一、设计目标"),
    "M10 伺服电机在连续满载运行时，绕组温升不得超过 80K，外壳表面温度不得超过 75°C。",
    ("h1", "二、散热结构"),
    "外壳采用铝合金压铸，散热鳍片高度 12 mm，间距 6 mm；后端盖加装轴流风扇。",
    [["部件", "材料", "说明"], ["外壳", "ADC12 铝合金", "压铸"], ["轴承", "6204-2RS", "双面密封"]],
    ("h1", "三、验证计划"),
    "在 40°C 环境舱内以额定负载连续运行 8 小时，每 10 分钟记录一次绕组与外壳温度。",
]
_M10_DESIGN_V2 = revise(
    _M10_DESIGN_V1,
    replace={"散热鳍片高度 12 mm": "散热鳍片高度 15 mm", "连续运行 8 小时": "连续运行 24 小时"},
    add=["设计变更：增加鳍片高度后，样机温升由 78K 降至 66K（测试报告 TR-M10-007）。"],
)

_X300_WHITEPAPER = [
    ("h1", "Why edge control"),
    "The X300 Edge Controller runs closed-loop motor control and local analytics on the machine, "
    "so a conveyor keeps running when the plant network is down. It replaces the X200 in new lines "
    "and talks to existing X200 units over Modbus RTU.",
    ("h1", "Architecture"),
    "A dual-core ARM processor runs the real-time loop on one core and the data logger on the other. "
    "Firmware updates are signed and applied to an A/B partition so a failed update rolls back.",
    [
        ["Feature", "X200", "X300"],
        ["Control loop", "1 kHz", "4 kHz"],
        ["Data logging", "none", "30 days"],
        ["Firmware update", "USB", "signed OTA, A/B partitions"],
    ],
    ("h1", "Field results"),
    "In a six-month pilot at two customer plants, unplanned stops fell by 37% and energy use by 9%.",
]

_X300_MANUAL_V1 = [
    ("h1", "1. Safety"),
    "Disconnect power before opening the enclosure. Only qualified electricians may wire the X300.",
    ("h1", "2. Installation"),
    "Mount the X300 on a 35 mm DIN rail. Keep 50 mm of free space above and below for airflow.",
    "Connect the motor to terminals U, V and W and tighten them to 0.8 N·m.",
    ("h1", "3. Firmware update"),
    "Copy the update file to a USB stick, insert it and hold the MODE key for five seconds.",
    ("h1", "4. Alarms"),
    [
        ["Code", "Meaning", "Action"],
        ["A01", "Over-current", "Check motor wiring"],
        ["A05", "Watchdog reset", "Record the log and contact support"],
    ],
]
_X300_MANUAL_V2 = revise(
    _X300_MANUAL_V1,
    replace={
        "Copy the update file to a USB stick, insert it and hold the MODE key for five seconds.": "Updates are delivered over the air and signed; the controller installs them on the idle "
        "partition and switches after a successful self-test.",
        "tighten them to 0.8 N·m": "tighten them to 1.0 N·m",
    },
    add=["Firmware 3.2 fixes the watchdog reset (A05) caused by a logging buffer overflow."],
)

_FW_SPEC_V1 = [
    ("h1", "一、目的"),
    "規範 X200 控制器韌體升級之流程、版本命名與回退機制，避免升級失敗造成停機。",
    ("h1", "二、版本命名"),
    "版本號採用 主版本.次版本.修訂（例如 2.3.1），正式版須經品管驗證後方可發行。",
    ("h1", "三、升級流程"),
    "1. 備份現有參數。2. 以 USB 載入韌體。3. 升級完成後執行自我檢測並記錄結果。",
]
_FW_SPEC_V2 = revise(_FW_SPEC_V1, add=["4. 升級失敗時自動回復前一版本，並於面板顯示 U99。"])

_B2311_INSPECTION = [
    ("h1", "檢驗摘要"),
    "批號 B2311，共 1,200 台 X200 控制器，抽樣 80 台，依 AQL 1.0 判定。",
    [
        ["檢驗項目", "抽樣數", "不良數", "判定"],
        ["外觀", "80", "0", "合格"],
        ["耐壓測試", "80", "0", "合格"],
        ["高溫老化 45°C", "80", "3", "不合格"],
    ],
    "高溫老化不良 3 台均於 2 小時內觸發 E03 過熱保護，散熱片溫度達 86°C。",
    "處置：本批暫停出貨，待研發部完成過熱問題分析並提出矯正措施。",
]

_OVERHEAT_V1 = [
    ("h1", "一、問題描述"),
    "客戶反映 X200 控制器在夏季高溫環境運轉約兩小時後頻繁跳 E03 過熱保護，導致輸送帶停機。"
    "出貨檢驗 B2311 批次高溫老化亦有 3 台不良。",
    ("h1", "二、原因分析"),
    "經拆解分析，散熱片與功率模組間之導熱膏塗布厚度不均，部分區域僅 0.05 mm；"
    "且自然對流散熱在環境溫度 40°C 以上時不足。",
    ("h1", "三、矯正措施"),
    "1. 導熱膏改用網版印刷，厚度控制在 0.1 ± 0.02 mm。",
    "2. 增設 40 mm 散熱風扇，改為強制風冷。",
]
_OVERHEAT_V2 = revise(
    _OVERHEAT_V1,
    add=[
        ("h1", "四、效果確認"),
        "改善後樣品 20 台於 45°C 環境連續運轉 72 小時，無 E03 發生，散熱片最高溫度 68°C。",
    ],
)

_M10_NOISE = [
    ("h1", "一、问题现象"),
    "部分 M10 电机在 1,500 rpm 附近出现周期性异音，客户现场反映噪音约 72 dB(A)。",
    ("h1", "二、原因分析"),
    "频谱分析显示异音频率与轴承外圈故障频率一致；拆检发现 6204 轴承润滑脂不足，且存在压痕。",
    ("h1", "三、改善对策"),
    "更换轴承供应商批次，装配时使用压装治具，避免敲击造成压痕；出货前增加 1,500 rpm 噪音检测。",
]

_SEAL_V1 = [
    ("h1", "背景 Background"),
    "X300 外殼密封不良導致戶外機台進水，客戶投訴 5 件。Seal leak found on gasket joint of the X300 housing.",
    ("h1", "改善計畫 Improvement plan"),
    [
        ["措施 Action", "負責 Owner", "期限 Due"],
        ["更換矽膠墊片材質 Change gasket to silicone", "RD", "2026-12-15"],
        ["增加氣密測試 Add air-leak test", "QC", "2026-12-31"],
    ],
    "目標：IP65 氣密測試一次合格率 99% 以上。Target: first-pass yield of the IP65 test above 99%.",
]
_SEAL_V2 = revise(
    _SEAL_V1,
    replace={"2026-12-31": "2027-01-15"},
    add=["進度：矽膠墊片樣品已通過 IP65 測試 30 台。Progress: 30 samples passed IP65."],
)

_FW_CRASH = [
    ("h1", "Summary"),
    "X300 units with firmware 3.1 reset with alarm A05 (watchdog) after about 40 hours of operation.",
    ("h1", "Root cause"),
    "The data logger wrote past the end of its ring buffer when the log rate exceeded 200 entries/s, "
    "corrupting the scheduler's stack. The watchdog then reset the controller.",
    ("h1", "Corrective action"),
    "Firmware 3.2 bounds the buffer index and drops entries when full, counting them in a diagnostic "
    "register. A 96-hour soak test at 400 entries/s ran without a reset.",
]

_MARKET = [
    ("h1", "一、市場規模"),
    "2026 年亞太地區智慧馬達控制器市場規模約 18 億美元，年成長率 7.5%，其中邊緣控制產品成長最快。",
    ("h1", "二、客戶需求"),
    "受訪 120 家工廠中，68% 重視遠端監控，54% 要求韌體可線上更新，41% 關注高溫環境可靠度。",
    [["需求", "比例"], ["遠端監控", "68%"], ["線上更新", "54%"], ["高溫可靠度", "41%"]],
    ("h1", "三、建議"),
    "建議 X300 強化遠端監控與 OTA 功能，X200 以高性價比鎖定既有產線汰換市場。",
]

_SALES_Q3 = [
    "# 2026 年第三季度销售分析",
    "本季 X200 出货 8,400 台，同比增长 12%；X300 出货 1,150 台，首次超过千台。",
    "华东区受 B2311 批次暂停出货影响，9 月交付延迟两周，损失订单约 300 台。",
    "| 产品 | 出货量 | 同比 |\n|---|---|---|\n| X200 | 8,400 | +12% |\n| X300 | 1,150 | 新品 |",
    "下季度重点：恢复华东区交付，推广 X300 远程监控方案。",
]

_COMPETITOR = [
    ("h1", "Products compared"),
    "X200 against ACME C5, the closest competing motor controller in the 750 W class.",
    [
        ["Item", "X200", "ACME C5"],
        ["Price (USD)", "189", "215"],
        ["Max ambient", "45°C", "50°C"],
        ["Remote monitoring", "No", "Yes"],
    ],
    ("h1", "Findings"),
    "ACME C5 wins on ambient temperature range and built-in remote monitoring; X200 wins on price "
    "and installed base. Overheating complaints about the X200 are the main risk to renewals.",
]

_FEEDBACK = [
    "客戶回饋紀錄（2026 年 10 月）",
    "1. 台中某食品廠：X200 介面清楚，但夏季偶有 E03 過熱停機，希望提供改善方案。",
    "2. 桃園某物流中心：X300 遠端監控實用，建議增加手機推播通知。",
    "3. 高雄某紡織廠：M10 馬達運轉時有異音，已安排工程師到場檢查。",
    "統計：本月回饋 27 件，其中產品品質相關 9 件、服務相關 6 件、功能建議 12 件。",
]

_COMPLAINT_C231104 = [
    ("h1", "投诉信息"),
    "客户编号 C-231104，苏州某包装厂，于 2026 年 11 月 4 日来电投诉。",
    "现象：X200 控制器在车间温度约 38°C 时运行两小时后跳 E03 过热保护，输送线停机约 30 分钟，每周发生 2 至 3 次。",
    ("h1", "处理经过"),
    "客服已指导客户清洁通风孔并加装散热风扇，问题暂时缓解；已转研发部进行过热问题分析。",
    "客户要求：提供永久改善方案及更换计划。",
]

_SURVEY_V1 = [
    ("h1", "Method"),
    "Online survey of 340 customers in September 2026; 212 responses (62%).",
    ("h1", "Results"),
    [
        ["Question", "Satisfied"],
        ["Product quality", "81%"],
        ["Delivery time", "74%"],
        ["Support response", "88%"],
    ],
    "Overall satisfaction: 82%, up from 79% in 2025.",
]
_SURVEY_V2 = revise(
    _SURVEY_V1,
    replace={
        "212 responses (62%)": "231 responses (68%)",
        "Overall satisfaction: 82%": "Overall satisfaction: 83%",
    },
    add=["Late responses added; the main complaint remains overheating of the X200 in summer."],
)

_NOISE_COMPLAINT = [
    "# 客戶投訴報告：M10 運轉異音",
    "客戶：高雄某紡織廠（客戶編號 C-231020）。",
    "現象：M10 馬達於 1,500 rpm 附近出現周期性異音，現場量測約 72 dB(A)，客戶擔心軸承損壞。",
    "初步處理：工程師到場更換備品馬達，原馬達寄回品管部分析。",
]

_ASSEMBLY_V1 = [
    ("h1", "一、适用范围"),
    "本规范适用于 X200 控制器总装线，规定装配顺序、扭力及检验要求。",
    ("h1", "二、装配要点"),
    [
        ["工序", "内容", "扭力"],
        ["10", "功率模块装到散热片", "0.8 N·m"],
        ["20", "主板固定", "0.5 N·m"],
        ["30", "外壳合盖", "1.0 N·m"],
    ],
    "导热膏涂布：以刮刀手工涂布，目视均匀即可。",
]
_ASSEMBLY_V2 = revise(
    _ASSEMBLY_V1,
    replace={
        "导热膏涂布：以刮刀手工涂布，目视均匀即可。": "导热膏涂布：改用网版印刷，厚度 0.1 ± 0.02 mm，每班首件测量厚度并记录。"
    },
    add=["工序 15：安装 40 mm 散热风扇，确认风向朝外。"],
)

_BEARING_PLAN = [
    "Incoming inspection plan: M10 bearings (6204-2RS)",
    "Sampling: 32 pieces per lot, AQL 0.65, after the M10 noise complaints.",
    "Checks: grease fill by weight (2.0 g +/- 0.2 g), raceway marks under 10x magnification, "
    "vibration on the bearing tester below 0.8 mm/s.",
    "A lot with one raceway mark is rejected and returned to the supplier.",
]


def _doc(
    key,
    title,
    category,
    doc_type,
    department,
    author,
    fmt,
    lang,
    versions,
    *,
    product="",
    important=False,
    confidentiality="internal",
    approve_up_to=1,
    final_state=None,
    header="",
    footer="",
    review_due_in_days=None,
):
    return {
        "key": key,
        "title": title,
        "category": category,
        "doc_type": doc_type,
        "department": department,
        "author": author,
        "format": fmt,
        "lang": lang,
        "product": product,
        "important": important,
        "confidentiality": confidentiality,
        "versions": [{"change_note": note, "blocks": blocks} for note, blocks in versions],
        "approve_up_to": approve_up_to,
        "final_state": final_state,
        "header": header,
        "footer": footer,
        "review_due_in_days": review_due_in_days,
    }


RD, QC, MKT, CS, PROD = (
    "author@doctrack.local",
    "qc@doctrack.local",
    "mkt@doctrack.local",
    "support@doctrack.local",
    "prod@doctrack.local",
)

DEMO_DOCUMENTS = [
    _doc(
        "x200-manual",
        "X200 智慧控制器使用說明書",
        "technical",
        "manual",
        "RD",
        RD,
        "docx",
        "zh-Hant",
        [
            ("初版發行", _X200_MANUAL_V1),
            ("依過熱分析更新扭力、散熱方式與環境溫度", _X200_MANUAL_V2),
            ("新增韌體升級章節，螺絲改為不鏽鋼", _X200_MANUAL_V3),
        ],
        product="X200",
        important=True,
        approve_up_to=2,
        final_state="in_review",
        header="X200 使用說明書 · 研發部",
        footer="文件編號 RD-MAN-X200",
    ),
    _doc(
        "x200-spec",
        "X200 控制器產品規格書",
        "technical",
        "spec",
        "RD",
        RD,
        "pdf",
        "zh-Hant",
        [("初版", _X200_SPEC_V1), ("過熱保護點下修至 80°C，環境溫度範圍擴大", _X200_SPEC_V2)],
        product="X200",
        important=True,
        approve_up_to=2,
    ),
    _doc(
        "m10-design",
        "M10 电机散热设计说明",
        "technical",
        "design",
        "RD",
        RD,
        "docx",
        "zh-Hans",
        [("初版", _M10_DESIGN_V1), ("鳍片加高至 15 mm，验证时间延长至 24 小时", _M10_DESIGN_V2)],
        product="M10",
        approve_up_to=1,
        final_state="in_review",
    ),
    _doc(
        "x300-whitepaper",
        "X300 Edge Controller White Paper",
        "technical",
        "white_paper",
        "RD",
        RD,
        "pdf",
        "en",
        [("First edition", _X300_WHITEPAPER)],
        product="X300",
    ),
    _doc(
        "x300-manual",
        "X300 User Manual",
        "technical",
        "manual",
        "RD",
        RD,
        "md",
        "en",
        [
            ("First edition", _X300_MANUAL_V1),
            ("OTA updates replace USB; terminal torque 1.0 N·m", _X300_MANUAL_V2),
        ],
        product="X300",
        approve_up_to=2,
    ),
    _doc(
        "x200-fw-spec",
        "X200 韌體升級規範",
        "technical",
        "spec",
        "RD",
        RD,
        "md",
        "zh-Hant",
        [("初版", _FW_SPEC_V1), ("新增升級失敗自動回復", _FW_SPEC_V2)],
        product="X200",
        approve_up_to=1,
        final_state="rejected",
    ),
    _doc(
        "b2311-inspection",
        "B2311 批次出貨檢驗報告",
        "quality",
        "inspection_report",
        "QC",
        QC,
        "pdf",
        "zh-Hant",
        [("檢驗完成", _B2311_INSPECTION)],
        product="X200",
        confidentiality="restricted",
    ),
    _doc(
        "x200-overheat",
        "X200 馬達過熱問題分析報告",
        "quality",
        "problem_analysis",
        "QC",
        QC,
        "docx",
        "zh-Hant",
        [("初步分析", _OVERHEAT_V1), ("新增效果確認數據", _OVERHEAT_V2)],
        product="X200",
        approve_up_to=2,
    ),
    _doc(
        "m10-noise",
        "M10 电机异音问题分析",
        "quality",
        "problem_analysis",
        "QC",
        QC,
        "pdf",
        "zh-Hans",
        [("分析完成", _M10_NOISE)],
        product="M10",
    ),
    _doc(
        "seal-plan",
        "X300 密封不良改善計畫 Seal leak improvement plan",
        "quality",
        "improvement_plan",
        "QC",
        QC,
        "docx",
        "zh-Hant",
        [("初版", _SEAL_V1), ("更新進度與期限", _SEAL_V2)],
        product="X300",
        approve_up_to=1,
    ),
    _doc(
        "x300-fw-crash",
        "X300 firmware crash root-cause analysis",
        "quality",
        "problem_analysis",
        "QC",
        QC,
        "md",
        "en",
        [("Analysis and fix in firmware 3.2", _FW_CRASH)],
        product="X300",
    ),
    _doc(
        "market-2026",
        "2026 智慧控制器市場調查",
        "market",
        "market_research",
        "MKT",
        MKT,
        "docx",
        "zh-Hant",
        [("調查結果", _MARKET)],
        review_due_in_days=-12,
    ),
    _doc(
        "sales-q3",
        "2026 年第三季度销售分析",
        "market",
        "sales_analysis",
        "MKT",
        MKT,
        "md",
        "zh-Hans",
        [("第三季度数据", _SALES_Q3)],
        confidentiality="restricted",
    ),
    _doc(
        "competitor-c5",
        "Competitor analysis: X200 vs. ACME C5",
        "market",
        "competitor_analysis",
        "MKT",
        MKT,
        "pdf",
        "en",
        [("Draft comparison", _COMPETITOR)],
        product="X200",
        approve_up_to=0,
    ),
    _doc(
        "feedback-2026-10",
        "客戶回饋紀錄 2026 年 10 月",
        "customer",
        "feedback_record",
        "CS",
        CS,
        "txt",
        "zh-Hant",
        [("十月彙整", _FEEDBACK)],
        review_due_in_days=18,
    ),
    _doc(
        "complaint-c231104",
        "客户投诉报告 C-231104：X200 过热停机",
        "customer",
        "complaint_report",
        "CS",
        CS,
        "docx",
        "zh-Hans",
        [("投诉登记", _COMPLAINT_C231104)],
        product="X200",
    ),
    _doc(
        "survey-2026",
        "2026 Customer Satisfaction Survey",
        "customer",
        "satisfaction_survey",
        "CS",
        CS,
        "pdf",
        "en",
        [("Results", _SURVEY_V1), ("Late responses included", _SURVEY_V2)],
        approve_up_to=2,
    ),
    _doc(
        "complaint-m10-noise",
        "客戶投訴報告：M10 運轉異音",
        "customer",
        "complaint_report",
        "CS",
        CS,
        "md",
        "zh-Hant",
        [("投訴登記", _NOISE_COMPLAINT)],
        product="M10",
        confidentiality="restricted",
        approve_up_to=0,
        final_state="in_review",
    ),
    _doc(
        "x200-assembly",
        "X200 组装工艺规范",
        "technical",
        "spec",
        "PROD",
        PROD,
        "docx",
        "zh-Hans",
        [("初版", _ASSEMBLY_V1), ("导热膏改网版印刷，新增风扇工序", _ASSEMBLY_V2)],
        product="X200",
        approve_up_to=2,
    ),
    _doc(
        "m10-bearing-plan",
        "Incoming inspection plan for M10 bearings",
        "quality",
        "improvement_plan",
        "QC",
        QC,
        "txt",
        "en",
        [("New plan after noise complaints", _BEARING_PLAN)],
        product="M10",
    ),
]

DEMO_ISSUES = [
    {
        "title": "X200 夏季高溫跳 E03 過熱保護",
        "phenomenon": "X200 在車間溫度 38°C 以上運轉約兩小時後跳 E03，輸送線停機。",
        "found_at": "2026-11-04T09:30:00+08:00",
        "found_by": "蘇州某包裝廠 設備課",
        "location": "客戶現場（蘇州）",
        "scope": "B2311 批次約 1,200 台，華東區客戶",
        "source": "customer",
        "customer_ref": "C-231104",
        "product": "X200",
        "category": "quality",
        "severity": 1,
        "department": "RD",
        "state": "closed",
        "analysis": "導熱膏厚度不均且自然對流散熱不足，詳見 X200 馬達過熱問題分析報告 v2。",
        "resolution": "導熱膏改網版印刷並加裝散熱風扇；說明書 v2 更新散熱方式與扭力。",
        "comments": ["已寄回 3 台不良品拆解。", "樣品 20 台 45°C 連續 72 小時無 E03。"],
        "links": [("x200-manual", 2, "manual"), ("x200-overheat", 2, "analysis"), ("x200-spec", 2, "spec")],
    },
    {
        "title": "M10 电机 1500 rpm 附近异音",
        "phenomenon": "M10 在 1,500 rpm 附近周期性异音，约 72 dB(A)。",
        "found_at": "2026-10-20T14:00:00+08:00",
        "found_by": "高雄某紡織廠",
        "location": "客户现场（高雄）",
        "scope": "2026 年 9 月以后出货的 M10",
        "source": "customer",
        "customer_ref": "C-231020",
        "product": "M10",
        "category": "quality",
        "severity": 2,
        "department": "QC",
        "state": "resolved",
        "analysis": "轴承润滑脂不足并有压痕，见 M10 电机异音问题分析。",
        "resolution": "更换轴承批次并使用压装治具；新增进料检验计划。",
        "comments": ["供应商已确认润滑脂加注设备故障。"],
        "links": [("m10-noise", 1, "analysis"), ("m10-bearing-plan", 1, "other")],
    },
    {
        "title": "X300 watchdog reset (A05) after 40 hours",
        "phenomenon": "X300 on firmware 3.1 resets with A05 after ~40 h.",
        "found_at": "2026-09-12T08:00:00+08:00",
        "found_by": "QC soak test",
        "location": "QC lab",
        "scope": "All X300 units on firmware 3.1",
        "source": "qc",
        "customer_ref": "",
        "product": "X300",
        "category": "technical",
        "severity": 1,
        "department": "RD",
        "state": "verified",
        "analysis": "Logger ring-buffer overflow corrupts the scheduler stack.",
        "resolution": "Firmware 3.2 bounds the buffer index; 96-hour soak passed.",
        "comments": ["Reproduced at 400 log entries/s.", "Fix verified on 10 units."],
        "links": [("x300-fw-crash", 1, "analysis"), ("x300-manual", 2, "manual")],
    },
    {
        "title": "X300 外殼密封不良進水",
        "phenomenon": "戶外安裝的 X300 於雨後外殼內有積水。",
        "found_at": "2026-11-10T10:00:00+08:00",
        "found_by": "台南某水處理廠",
        "location": "客戶現場（台南）",
        "scope": "戶外安裝之 X300",
        "source": "customer",
        "customer_ref": "C-231110",
        "product": "X300",
        "category": "quality",
        "severity": 2,
        "department": "RD",
        "state": "in_progress",
        "analysis": "",
        "resolution": "",
        "comments": ["改用矽膠墊片之樣品測試中。"],
        "links": [("seal-plan", 1, "other")],
    },
    {
        "title": "X200 說明書扭力數值與規格書不一致",
        "phenomenon": "說明書 v1 記載 1.2 N·m，組裝規範為 1.0 N·m。",
        "found_at": "2026-11-15T16:00:00+08:00",
        "found_by": "生產線 領班",
        "location": "X200 總裝線",
        "scope": "說明書 v1",
        "source": "production",
        "customer_ref": "",
        "product": "X200",
        "category": "technical",
        "severity": 3,
        "department": "RD",
        "state": "triaged",
        "analysis": "",
        "resolution": "",
        "comments": [],
        "links": [("x200-manual", 1, "manual")],
    },
    {
        "title": "客户希望增加手机推送通知",
        "phenomenon": "X300 远程监控无手机推送，告警需人工查看网页。",
        "found_at": "2026-10-28T11:00:00+08:00",
        "found_by": "桃園某物流中心",
        "location": "客户现场",
        "scope": "X300 远程监控用户",
        "source": "market",
        "customer_ref": "C-231028",
        "product": "X300",
        "category": "functional",
        "severity": 3,
        "department": "RD",
        "state": "reported",
        "analysis": "",
        "resolution": "",
        "comments": [],
        "links": [],
    },
    {
        "title": "Support hotline callback took three days",
        "phenomenon": "A customer waited three days for a callback about E03.",
        "found_at": "2026-11-06T09:00:00+08:00",
        "found_by": "Customer service audit",
        "location": "CS hotline",
        "scope": "November tickets",
        "source": "internal",
        "customer_ref": "",
        "product": "X200",
        "category": "service",
        "severity": 3,
        "department": "CS",
        "state": "closed",
        "analysis": "Tickets created after 17:00 were not assigned until the next working day.",
        "resolution": "Evening tickets are now assigned automatically to the on-call agent.",
        "comments": ["Callback target: one working day."],
        "links": [("feedback-2026-10", 1, "other")],
    },
    {
        "title": "B2311 高溫老化 3 台不良",
        "phenomenon": "B2311 批次高溫老化測試 3 台觸發 E03。",
        "found_at": "2026-11-01T15:00:00+08:00",
        "found_by": "品管部 黃品管",
        "location": "出貨檢驗站",
        "scope": "B2311 批次 1,200 台",
        "source": "qc",
        "customer_ref": "",
        "product": "X200",
        "category": "quality",
        "severity": 1,
        "department": "QC",
        "state": "in_progress",
        "analysis": "與客戶 C-231104 投訴同一原因。",
        "resolution": "",
        "comments": ["本批暫停出貨。"],
        "links": [("b2311-inspection", 1, "other"), ("x200-overheat", 1, "analysis")],
    },
]
