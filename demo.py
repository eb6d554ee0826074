"""The demo data set (Simplified Chinese) behind ``flask --app app seed-demo``.

``seed()`` loads eight departments, eight demo accounts (password ``demo-pass-2026``),
40 customers and, for every business record type, at least one record in every status,
then commits once. It is deterministic: fixed dates, fixed texts, and ``random.Random(2026)``
for phone numbers, addresses and sales figures. Running it again changes nothing.

Times are written as Asia/Shanghai wall-clock times (what the customer and the clerk
see) and stored as naive UTC, like every DateTime column. Record numbers (complaints,
penalty notices, return slips, archive files) and complaint due dates are not set
here: the ``before_flush`` hook in ``models/numbering.py`` assigns them. Customer codes
(``KH0001``) and contract numbers (``HT2026-001``) are set here, as records imported
from the old register keep theirs; customers and contracts registered later get the
system's (``KH00001``…, ``HT260001``…).

Every record is told as its users lived it (``demo_story.Story``): registered by a demo
user at its time, then taken through its model's declared steps by the users who sign
them (the supervisor confirms a return slip, the customer-service manager approves it;
the GM office approves a major complaint's handling…), each at a fixed time. So the
details page's history and the audit log show who did what, when; the only event that
is the system's is the load itself (``seed_demo``). To add a record type: make it with
``demo.story.create(record, "clerk.service", "2026-11-20 10:00")`` and move it on with
``demo.story.step(record, "approve", "gm", "2026-11-21 09:00", field=value)`` in a
``make_…`` function added to ``STEPS``.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from audit import order_pending_by_time, record_event, recorded_as
from demo_projects import make_projects
from demo_story import Story, local, shanghai
from models import (
    AppUser,
    ArchiveFile,
    Complaint,
    Contract,
    ContractReview,
    Customer,
    Department,
    Loan,
    OrderChange,
    Penalty,
    ReturnLine,
    ReturnSlip,
    db,
)
from models.numbering import local_date_of
from models.workdays import add_working_days, is_working_day

DEMO_PASSWORD = "demo-pass-2026"
#: Moment given to records that have no natural date of their own (Shanghai time).
DEMO_EPOCH = "2025-05-06 09:00"

DEPARTMENTS = (
    ("sales", "销售部"),
    ("service", "客户服务部"),
    ("quality", "质量部"),
    ("production", "生产部"),
    ("gm", "总经理办公室"),
    ("legal", "法律室"),
    ("audit", "审计部"),
    ("it", "信息部"),
    ("finance", "财务部"),
)

#: username, full name, roles, department code, clearance
USERS = (
    ("admin", "周文斌", "admin", "it", "internal"),
    ("clerk.sales", "李晓燕", "clerk", "sales", "internal"),
    ("clerk.service", "王丽娟", "clerk", "service", "internal"),
    ("supervisor", "陈国华", "supervisor", "service", "confidential"),
    # The customer-service department's manager: the second signature where the
    # supervisor signed first (return-slip approval, general complaints' handling).
    ("manager.service", "黄建军", "supervisor", "service", "confidential"),
    ("gm", "刘志远", "gm_office", "gm", "secret"),
    # The GM office's archive keeper (档案管理员): registers requests at the archive room
    # on a borrower's behalf; another member of the office approves them.
    ("gm.archive", "何秀英", "gm_office", "gm", "secret"),
    ("legal", "赵明轩", "legal", "legal", "secret"),
    ("auditor", "孙雅琴", "auditor", "audit", "confidential"),
)

#: region → (telephone area code, address prefix, streets)
REGIONS = {
    "深圳": ("0755", "广东省深圳市", ("福田区深南中路", "南山区科苑路", "宝安区新安街道建安一路",
                                "龙岗区布吉街道吉华路")),
    "广州": ("020", "广东省广州市", ("天河区天河北路", "白云区机场路", "越秀区中山五路",
                               "番禺区市桥街道西丽路", "南沙区港前大道")),
    "东莞": ("0769", "广东省东莞市", ("长安镇长青路", "虎门镇连升路", "厚街镇康乐南路",
                                "松山湖工业北路")),
    "佛山": ("0757", "广东省佛山市", ("顺德区大良街道南国路", "南海区桂城街道南海大道",
                                "禅城区祖庙路")),
    "惠州": ("0752", "广东省惠州市", ("仲恺高新区和畅五路", "惠城区江北文昌一路",
                                "大亚湾西区石化大道")),
    "上海": ("021", "上海市", ("浦东新区张杨路", "嘉定区安亭镇墨玉路", "闵行区七莘路")),
    "北京": ("010", "北京市", ("海淀区中关村大街", "朝阳区建国路")),
    "杭州": ("0571", "浙江省杭州市", ("西湖区龙井路", "滨江区江南大道")),
    "成都": ("028", "四川省成都市", ("武侯区天府大道", "锦江区春熙路")),
    "武汉": ("027", "湖北省武汉市", ("江汉区解放大道", "东湖高新区光谷大道")),
    "长沙": ("0731", "湖南省长沙市", ("望城区金星北路",)),
    "厦门": ("0592", "福建省厦门市", ("思明区鹭江道",)),
    "珠海": ("0756", "广东省珠海市", ("横琴新区环岛东路", "香洲区情侣中路")),
    "中山": ("0760", "广东省中山市", ("小榄镇升平中路",)),
    "汕头": ("0754", "广东省汕头市", ("澄海区莲下镇玩具城路",)),
}

#: Names for contact persons and legal representatives.
PEOPLE = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "黄志明", "赵敏", "周杰", "吴婷",
          "徐斌", "孙丽", "马超", "朱红梅", "胡军", "郭峰", "何静", "高翔", "林琳", "罗刚",
          "梁慧", "宋涛", "郑洁", "谢鹏", "韩雪", "唐亮", "冯丹", "于波", "董敏", "萧然")

#: Customers in code order (KH0001 …): name, region, kind, grade, industry, level, remarks.
CUSTOMERS = (
    ("深圳市华强电子有限公司", "深圳", "dealer", "A", "电子元器件", "confidential",
     "重点客户，年度框架合同，每月巡访。"),
    ("深圳市南山区鹏程百货商行", "深圳", "retailer", "C", "百货零售", "internal", None),
    ("深圳市宝安区新安精密模具厂", "深圳", "contract_manufacturer", "B", "模具加工",
     "internal", None),
    ("深圳市福田区万佳便利店", "深圳", "retailer", "D", "便利零售", "internal", None),
    ("深圳市龙岗区鸿业包装材料有限公司", "深圳", "dealer", "B", "包装材料", "internal", None),
    ("陈志强", "深圳", "consumer", "D", None, "internal", "个人消费者，经400热线登记。"),
    ("广州市天河区粤海贸易有限公司", "广州", "dealer", "A", "商贸流通", "internal",
     "华南区域总经销。"),
    ("广州白云恒达印务有限公司", "广州", "contract_manufacturer", "B", "印刷包装",
     "internal", None),
    ("广州市越秀区惠民超市", "广州", "retailer", "C", "超市零售", "internal", None),
    ("广州南沙港联物流有限公司", "广州", "other", "B", "物流仓储", "internal",
     "物流服务商，同时采购包装材料。"),
    ("广州市番禺区金穗饲料经营部", "广州", "dealer", "C", "饲料", "internal", None),
    ("东莞市长安镇锦华五金制品厂", "东莞", "contract_manufacturer", "B", "五金制品",
     "internal", None),
    ("东莞市虎门镇兴隆服装有限公司", "东莞", "dealer", "C", "服装", "internal", None),
    ("东莞市厚街家具城发展有限公司", "东莞", "retailer", "B", "家具", "internal", None),
    ("东莞市松山湖智造科技有限公司", "东莞", "contract_manufacturer", "A", "电子制造",
     "confidential", "委托加工大客户，合同单价保密。"),
    ("佛山市顺德区美家电器有限公司", "佛山", "dealer", "A", "家用电器", "public",
     "上市公司，基本信息已公开披露。"),
    ("佛山市南海区联丰陶瓷有限公司", "佛山", "dealer", "B", "建筑陶瓷", "internal", None),
    ("佛山市禅城区百润日用品商行", "佛山", "retailer", "D", "日用品", "internal", None),
    ("林美玲", "佛山", "consumer", "D", None, "internal", "个人消费者，上门维修客户。"),
    ("惠州市仲恺高新区光华电池有限公司", "惠州", "contract_manufacturer", "B", "电池",
     "internal", None),
    ("惠州市惠城区好邻居连锁超市有限公司", "惠州", "retailer", "C", "连锁超市", "internal",
     None),
    ("惠州大亚湾石化配套服务有限公司", "惠州", "other", "C", "石化配套服务", "secret",
     "涉及公安机关调查的燃气泄漏事故，资料按机密管理。"),
    ("上海浦江国际贸易有限公司", "上海", "dealer", "A", "进出口贸易", "internal", None),
    ("上海嘉定汽车配件有限公司", "上海", "dealer", "B", "汽车配件", "internal", None),
    ("上海闵行海悦物业管理有限公司", "上海", "other", "C", "物业管理", "internal", None),
    ("北京中关村鼎新科技有限公司", "北京", "dealer", "A", "信息技术", "confidential",
     "信用额度较高，授信资料保密。"),
    ("北京朝阳京华百货有限公司", "北京", "retailer", "B", "百货零售", "public",
     "公开招标采购客户。"),
    ("杭州西湖龙井茶叶有限公司", "杭州", "dealer", "C", "茶叶", "internal", None),
    ("杭州滨江云帆网络科技有限公司", "杭州", "other", "B", "互联网", "internal", None),
    ("成都天府粮油贸易有限公司", "成都", "dealer", "B", "粮油", "internal", None),
    ("成都锦江蓉城便民超市", "成都", "retailer", "D", "超市零售", "internal", None),
    ("武汉楚天医药连锁有限公司", "武汉", "retailer", "B", "医药零售", "internal", None),
    ("武汉光谷激光设备有限公司", "武汉", "contract_manufacturer", "C", "激光设备", "secret",
     "2025年货款纠纷已诉讼结案，卷宗按机密管理。"),
    ("长沙湘江饲料有限公司", "长沙", "dealer", "C", "饲料", "internal", None),
    ("厦门鹭岛进出口有限公司", "厦门", "dealer", "B", "进出口贸易", "internal", None),
    ("珠海横琴澳珠商贸有限公司", "珠海", "dealer", "C", "商贸流通", "internal", None),
    ("珠海香洲海滨燃气有限公司", "珠海", "other", "C", "燃气", "internal", None),
    ("中山市小榄镇明辉灯饰有限公司", "中山", "retailer", "C", "灯饰", "internal", None),
    ("汕头市澄海区乐童玩具实业有限公司", "汕头", "contract_manufacturer", "D", "玩具",
     "internal", None),
    ("黄国栋", "珠海", "consumer", "D", None, "internal", None),
)

#: grade → (annual sales range in 10 000 CNY, credit rating, credit limit share of sales)
GRADE_PROFILE = {
    "A": ((8000, 30000), "AAA", Decimal("0.15")),
    "B": ((2000, 8000), "AA", Decimal("0.10")),
    "C": ((500, 2000), "A", Decimal("0.05")),
    "D": ((50, 500), "BBB", Decimal("0")),
}

#: number, customer, title, kind, amount, currency, status, signed on, starts on, ends on,
#: level, department
CONTRACTS = (
    ("HT2026-001", "KH0001", "2026年度电源适配器购销合同", "sales", "3860000.00", "CNY",
     "in_force", "2026-01-08", "2026-01-10", "2026-12-31", "confidential", "sales"),
    ("HT2026-002", "KH0007", "华南区域经销协议", "sales", "5200000.00", "CNY", "in_force",
     "2026-02-20", "2026-03-01", "2027-02-28", "confidential", "sales"),
    ("HT2026-003", "KH0008", "产品宣传册委托印刷加工协议", "processing", "468000.00", "CNY",
     "completed", "2026-03-02", "2026-03-05", "2026-06-30", "internal", "sales"),
    ("HT2026-004", "KH0015", "智能控制板委托加工协议", "processing", "2750000.00", "CNY",
     "signed", "2026-10-28", "2026-11-15", "2027-11-14", "confidential", "sales"),
    ("HT2026-005", "KH0010", "成品仓储及配送服务合同", "service", "960000.00", "CNY",
     "in_force", "2026-04-15", "2026-05-01", "2027-04-30", "confidential", "service"),
    ("HT2026-006", "KH0014", "家具城展厅租赁合同", "lease", "360000.00", "CNY", "terminated",
     "2026-01-20", "2026-02-01", "2027-01-31", "confidential", "sales"),
    ("HT2026-007", "KH0016", "小家电年度采购框架合同", "sales", "1800000.00", "CNY",
     "quote_approved", None, None, None, "confidential", "sales"),
    ("HT2026-008", "KH0017", "抛釉瓷砖供货合同", "sales", "730000.00", "CNY", "under_review",
     None, None, None, "confidential", "sales"),
    ("HT2026-009", "KH0035", "出口代理及报关服务合同", "service", "128000.00", "USD",
     "under_review", None, None, None, "confidential", "sales"),
    ("HT2026-010", "KH0026", "网络设备年度技术服务合同", "service", "415000.00", "CNY",
     "signed", "2026-11-06", "2026-12-01", "2027-11-30", "internal", "sales"),
    ("HT2026-011", "KH0005", "包装设备维保及耗材补充协议", "other", "86000.00", "CNY", "draft",
     None, None, None, "internal", "sales"),
    ("HT2025-018", "KH0012", "五金件委托加工协议", "processing", "1240000.00", "CNY",
     "completed", "2025-06-10", "2025-07-01", "2026-06-30", "confidential", "sales"),
)

#: Review opinion per aspect: reviewer and text.
REVIEWERS = {
    "production": ("生产部 张建国", "产能可满足交期要求，需提前两周确认排产计划。"),
    "quality": ("质量部 李秀英", "技术标准与我司企业标准一致，同意按约定抽检方案验收。"),
    "materials": ("物料科 王海涛", "主要原材料库存充足，关键元器件已锁定供应商备货。"),
}

#: Contracts whose review is still incomplete (the aspects given so far).
PARTIAL_REVIEWS = {"HT2026-009": ("production", "quality")}

CONTRACT_DETAILS = {
    "HT2026-006": {"termination_reason": "客户经营调整提前退租，双方协商一致于2026年8月31日"
                                         "解除合同，押金已结清。"},
}

#: contract, created, reason, content, status, confirmed at (Shanghai times)
ORDER_CHANGES = (
    ("HT2026-001", "2026-09-25 14:00", "客户终端订单增加，要求追加供货。",
     "第四季度PA-65W电源适配器交货数量由8000只增加至9500只，单价不变，交期顺延一周。",
     "confirmed", "2026-09-28 10:30"),
    ("HT2026-004", "2026-11-12 10:00", "客户产品设计变更。",
     "控制板PCB版本由V1.2改为V1.3，首批交货日期由2026-11-15调整为2026-11-25。",
     "pending", None),
)

#: Complaints. Each dict holds model fields plus: key, customer, received (Shanghai time),
#: department, resolution (fields filled once responsibility is determined) and the
#: Shanghai times of approval, notification and closing where the status implies them.
COMPLAINTS = (
    {"key": "C01", "customer": "KH0001", "received": "2026-09-08 10:20", "channel": "phone",
     "kind": "quality", "severity": "general", "status": "closed", "complainant": "何建平",
     "product": "PA-65W 电源适配器", "order_no": "SO2608-0153", "batch_no": "B260812",
     "quantity_affected": "120",
     "content": "客户来电反映8月批次电源适配器约120只输出电压波动，终端用户投诉充电时断时续。",
     "request": "要求更换整批问题产品并出具质量分析报告。",
     "resolution": ("经质量部分析，为稳压芯片供应商来料批次不良，来料检验抽样比例偏低未能检出。",
                    "quality", "质量部IQC组长 马立新", "replacement",
                    "同型号合格品120只于9月10日发出更换，随货附质量分析报告。",
                    "对该供应商来料改为加严检验；稳压芯片增加上电老化测试。", "8640.00"),
     "approved": "2026-09-09 16:00", "notified": "2026-09-10 10:00",
     "closed": "2026-09-18 17:00"},
    {"key": "C02", "customer": "KH0007", "received": "2026-09-15 14:05", "channel": "letter",
     "kind": "non_quality", "severity": "major", "status": "closed", "complainant": "林振华",
     "product": "家用电器中秋礼盒", "order_no": "SO2609-0088", "quantity_affected": "300",
     "content": "客户来函投诉9月订单延迟三天送达，随货单据数量与实物不符，影响其中秋促销。",
     "request": "要求赔偿促销损失，并指定专人跟进后续订单。",
     "resolution": ("销售部跟单员未及时确认物流排期，发货单录入错误。", "sales",
                    "销售部跟单员 吴浩", "allowance",
                    "给予本批货款3%折让，计12,000元，冲抵下期货款。",
                    "跟单流程增加发货前双人核对，物流排期纳入每日晨会跟踪。", "12000.00"),
     "approved": "2026-09-17 11:00", "notified": "2026-09-18 09:30",
     "closed": "2026-09-25 16:00"},
    {"key": "C03", "customer": "KH0016", "received": "2026-09-21 09:40", "channel": "email",
     "kind": "quality", "severity": "major", "status": "notified", "complainant": "邓丽君",
     "product": "KT-1.7L 电热水壶", "batch_no": "B260903", "quantity_affected": "45",
     "content": "客户邮件反映部分电热水壶温控器失灵，水开后不能自动断电，存在安全隐患。",
     "request": "要求派员上门维修并排查同批次产品。",
     "resolution": ("温控器装配压接不到位，生产线首件检验未覆盖该工序。", "production",
                    "总装二线班长 郑伟", "repair",
                    "派维修人员上门更换温控器45只，同批次库存全部复检。",
                    "温控器压接工序增加扭力检测并纳入首件检验。", "6750.00"),
     "approved": "2026-09-23 17:00", "notified": "2026-09-24 10:00"},
    {"key": "C04", "customer": "KH0012", "received": "2026-09-29 16:30", "channel": "fax",
     "kind": "quality", "severity": "general", "status": "approved", "complainant": "袁志刚",
     "product": "M8 不锈钢内六角螺栓", "batch_no": "B260920", "quantity_affected": "2000",
     "content": "客户传真反映到货包装箱破损，部分螺栓表面划伤、生锈。",
     "request": "要求补发合格品。",
     "resolution": ("外包装纸箱强度不足，运输途中受潮挤压。", "production", "包装组 刘春梅",
                    "replacement", "补发2000件合格品，改用加强型纸箱并加防潮袋。",
                    "长途运输改用五层加强纸箱，装箱前检查防潮措施。", "1600.00"),
     "approved": "2026-09-30 14:00"},
    {"key": "C05", "customer": "KH0009", "received": "2026-09-29 11:10",
     "channel": "in_person", "kind": "non_quality", "severity": "general", "status": "closed",
     "complainant": "曾秀英",
     "content": "客户到公司反映我司业务员送货时态度生硬，拒绝协助搬运上架。",
     "request": "要求业务员道歉并更换对接人员。",
     "resolution": ("业务员当日送货任务过重，沟通方式不当。", "sales", "销售部业务员 黄磊",
                    "apology", "销售部经理带业务员上门致歉，并更换对接业务员。",
                    "组织销售部服务礼仪培训，合理安排送货线路。", None),
     "approved": "2026-09-30 10:00", "notified": "2026-09-30 15:00",
     "closed": "2026-10-09 10:00"},
    {"key": "C06", "customer": "KH0020", "received": "2026-09-30 09:15", "channel": "phone",
     "kind": "quality", "severity": "general", "status": "handling_proposed",
     "complainant": "彭海燕", "product": "18650 锂电池组", "batch_no": "B260915",
     "quantity_affected": "80",
     "content": "客户来电反映收到的电池组有8组出现鼓包，另有部分容量不足。",
     "request": "要求退货退款。",
     "resolution": ("电芯供应商批次不良，出厂老化筛选时间不足。", "quality",
                    "质量部OQC 李娜", "refund", "对鼓包及容量不足的电池组办理退货退款。",
                    "老化筛选时间由4小时延长至8小时，电芯来料增加容量抽测。", "9600.00")},
    {"key": "C07", "customer": "KH0017", "received": "2026-09-30 15:45", "channel": "visit",
     "kind": "quality", "severity": "major", "status": "responsibility_determined",
     "complainant": "潘建新", "product": "600×1200 抛釉瓷砖", "batch_no": "B260918",
     "quantity_affected": "360",
     "content": "巡访时客户反映新到瓷砖存在明显色差，已铺贴部分需返工。",
     "request": "要求更换并承担返工费用。",
     "resolution": ("不同窑次产品混装发货，出库时未按色号分批。", "production",
                    "仓储组 陈晓东", None, None, None, None),
     "extended_by": 5},
    {"key": "C08", "customer": "KH0023", "received": "2026-09-30 21:30", "channel": "email",
     "kind": "non_quality", "severity": "general", "status": "investigating",
     "complainant": "沈佳怡",
     "content": "客户邮件反映9月增值税专用发票抬头及税号开错，无法认证抵扣。",
     "request": "要求尽快作废并重开发票。"},
    {"key": "C09", "customer": "KH0034", "received": "2026-09-30 00:20", "channel": "email",
     "kind": "quality", "severity": "major", "status": "registered", "complainant": "蒋卫东",
     "product": "育肥猪配合饲料", "batch_no": "B260922", "quantity_affected": "12",
     "content": "客户凌晨来邮件反映9月22日批次饲料部分结块发霉，养殖户拒收。",
     "request": "要求退货并赔偿往返运费。"},
    {"key": "C10", "customer": "KH0026", "received": "2026-10-16 10:00", "channel": "letter",
     "kind": "quality", "severity": "general", "status": "closed", "complainant": "钱文博",
     "product": "工业级交换机 SW-24G", "quantity_affected": "10",
     "content": "客户来函称交换机频繁掉线，认为产品存在质量缺陷。",
     "request": "要求全部退货。",
     "resolution": ("现场检测确认为客户机房网线及接地问题，产品经质量部检测合格。", "quality",
                    None, "not_upheld", "出具检测报告说明故障原因，协助客户整改机房接地。",
                    "售前增加机房环境核查清单。", None),
     "approved": "2026-10-19 09:30", "notified": "2026-10-19 15:00",
     "closed": "2026-10-22 10:00"},
    {"key": "C11", "customer": "KH0026", "received": "2026-10-26 09:30", "channel": "letter",
     "kind": "quality", "severity": "general", "status": "investigating",
     "complainant": "钱文博", "product": "工业级交换机 SW-24G", "quantity_affected": "10",
     "reopened_from": "C10",
     "content": "客户不接受“投诉不成立”的结论，再次来函称整改接地后交换机仍频繁掉线。",
     "request": "要求派工程师现场复测并更换设备。"},
    {"key": "C12", "customer": "KH0013", "received": "2026-11-03 10:12", "channel": "phone",
     "kind": "quality", "severity": "general", "status": "notified", "complainant": "叶小青",
     "product": "男士纯棉衬衫", "batch_no": "B261020", "quantity_affected": "150",
     "content": "客户来电反映衬衫水洗后缩水严重，领口变形。", "request": "要求整批更换。",
     "resolution": ("面料预缩工序温度参数设置错误。", "production", "裁剪车间主任 许丽",
                    "replacement", "更换150件合格品，问题批次库存全部返工。",
                    "预缩工序参数改为双人确认并每班点检。", "7500.00"),
     "approved": "2026-11-04 11:00", "notified": "2026-11-04 16:00"},
    {"key": "C13", "customer": "KH0010", "received": "2026-11-09 13:30",
     "channel": "in_person", "kind": "non_quality", "severity": "major", "status": "approved",
     "complainant": "方志强",
     "content": "客户到访投诉我司对账单多次出现运费计算错误，影响其月度结算。",
     "request": "要求退还多收运费并书面说明原因。",
     "resolution": ("客户服务部对账时使用了过期的运价表。", "service", "客户服务部对账专员 高原",
                    "allowance", "退还多收运费4,380元，并给予下月运费2%折让。",
                    "运价表变更后由系统统一下发，对账单增加复核签字。", "4380.00"),
     "approved": "2026-11-11 15:00"},
    {"key": "C14", "customer": "KH0032", "received": "2026-11-12 11:00", "channel": "visit",
     "kind": "quality", "severity": "major", "status": "handling_proposed",
     "complainant": "杜明亮", "product": "医用外科口罩（独立包装）", "batch_no": "B261101",
     "quantity_affected": "5000",
     "content": "巡访时客户反映部分口罩耳带脱落，独立包装封口不严。",
     "request": "要求整批更换。",
     "resolution": ("耳带焊接机焊点温度漂移，封口机压力设置偏低。", "production",
                    "口罩车间焊接工 林峰", "replacement",
                    "整批5000只更换，问题批次隔离复检。",
                    "焊接及封口设备增加每两小时巡检记录。", "3500.00")},
    {"key": "C15", "customer": "KH0005", "received": "2026-11-17 09:05", "channel": "phone",
     "kind": "non_quality", "severity": "general", "status": "investigating",
     "complainant": "江涛", "department": "sales",
     "content": "客户反映我司催款电话过于频繁，且在非工作时间拨打。",
     "request": "要求规范催款方式。"},
    {"key": "C16", "customer": "KH0030", "received": "2026-11-20 16:40", "channel": "fax",
     "kind": "quality", "severity": "general", "status": "registered", "complainant": "邹平",
     "product": "5L 花生调和油", "batch_no": "B261105", "quantity_affected": "200",
     "content": "客户传真反映部分油桶渗漏，外箱有油污。",
     "request": "要求补发并承担清理费用。"},
    {"key": "C17", "customer": "KH0022", "received": "2026-10-20 14:00", "channel": "phone",
     "kind": "quality", "severity": "major", "status": "investigating", "level": "secret",
     "complainant": "石磊", "product": "燃气调压阀 RTZ-50", "quantity_affected": "2",
     "content": "客户来电称其站内燃气调压阀泄漏引发火情，公安机关已介入调查。",
     "request": "要求我司说明产品质量情况并承担相应责任。"},
    {"key": "C18", "customer": "KH0015", "received": "2026-11-05 15:20", "channel": "email",
     "kind": "quality", "severity": "major", "status": "closed", "level": "confidential",
     "complainant": "龙海波", "department": "sales", "product": "智能控制板 SCB-200",
     "batch_no": "B261015", "quantity_affected": "600",
     "content": "客户邮件反映委托加工的控制板批量虚焊，导致其整机返工，索赔返工费用。",
     "request": "要求赔偿返工费用并派驻质量工程师。",
     "resolution": ("回流焊炉温曲线未按新版工艺文件调整。", "production", "SMT车间主管 蔡明",
                    "allowance", "按返工工时赔偿38,000元，冲抵次月加工费。",
                    "工艺文件变更后须经质量部确认方可生产；SMT增加AOI全检。", "38000.00"),
     "approved": "2026-11-09 17:00", "notified": "2026-11-10 10:00",
     "closed": "2026-11-13 16:00"},
)

#: Penalty notices, proposed by the service supervisor: key, created, complaint,
#: responsible department, responsible person, kind, amount, reason, status, decided at,
#: applied at, decision reason, key of the notice it corrects.
PENALTIES = (
    ("P1", "2026-09-19 10:00", "C01", "quality", "马立新", "bonus_deduction", "500.00",
     "来料检验漏检，导致电源适配器批量质量投诉。", "applied", "2026-09-22 10:00",
     "2026-09-30 10:00", None, None),
    ("P2", "2026-09-28 10:00", "C02", "sales", "吴浩", "fine", "800.00",
     "跟单失误导致交货延迟及单据错误，客户书面投诉。", "approved", "2026-10-09 11:00", None,
     None, None),
    ("P3", "2026-10-20 10:00", "C02", "sales", "吴浩", "fine", "600.00",
     "复核后按奖罚制度第十二条调整罚款金额，更正原通知单。", "proposed", None, None, None,
     "P2"),
    ("P4", "2026-10-10 10:00", "C05", "sales", "黄磊", "sanction", None,
     "服务态度差被客户投诉，拟给予通报批评。", "rejected", "2026-10-12 15:00", None,
     "属首次投诉且已当面致歉，改为部门内部教育，不予行政处分。", None),
    # A notice is raised from a closed complaint (Penalty.raised_from_statuses).
    ("P5", "2026-09-25 10:00", "C01", "service", "王丽娟", "reward", "300.00",
     "快速响应电源适配器批量质量投诉，次日即组织更换发货，获客户书面表扬。", "proposed", None,
     None, None, None),
    ("P6", "2026-11-14 10:00", "C18", "production", "蔡明", "bonus_deduction", "2000.00",
     "工艺变更未落实导致委托加工产品批量虚焊，造成重大损失。", "approved",
     "2026-11-16 11:00", None, None, None),
)

#: Return slips. Dicts of model fields plus key, customer, complaint, contract, department,
#: created, confirmed / approved (Shanghai times) and lines:
#: (product, specification, batch, claimed, reason, counted, decision, decision reason).
RETURN_SLIPS = (
    {"key": "R1", "customer": "KH0009", "status": "applied", "created": "2026-11-18 10:00",
     "order_no": "SO2611-0102", "sold_on": "2026-11-02", "quality_problem": False,
     "within_warranty": False, "remarks": "临期滞销商品退货申请，运费由客户承担。",
     "lines": (("浓缩洗衣液", "2kg/瓶×6", "B261001", "24", "滞销临期", None, None, None),)},
    {"key": "R2", "customer": "KH0016", "complaint": "C03", "status": "confirmed",
     "created": "2026-11-13 09:30", "confirmed": "2026-11-16 10:00",
     "order_no": "SO2609-0071", "sold_on": "2026-09-05", "quality_problem": True,
     "within_warranty": True,
     "lines": (("KT-1.7L 电热水壶", "1.7L 1800W", "B260903", "12", "温控器失灵，上门无法修复",
                None, None, None),
               ("KT-1.7L 电热水壶底座", "配套底座", "B260903", "12", "随主机一并返厂",
                None, None, None))},
    {"key": "R3", "customer": "KH0020", "complaint": "C06", "status": "approved",
     "created": "2026-11-09 14:00", "confirmed": "2026-11-10 09:00",
     "approved": "2026-11-11 10:30", "order_no": "SO2609-0131", "sold_on": "2026-09-18",
     "quality_problem": True, "within_warranty": True,
     "lines": (("18650 锂电池组", "3.7V 2600mAh×4", "B260915", "8", "鼓包", None, None, None),
               ("18650 锂电池组", "3.7V 2600mAh×4", "B260915", "15", "容量不足", None, None,
                None))},
    {"key": "R4", "customer": "KH0012", "complaint": "C04", "contract": "HT2025-018",
     "status": "received", "created": "2026-10-12 10:00", "confirmed": "2026-10-12 16:00",
     "approved": "2026-10-13 09:00", "arrived_on": "2026-11-18", "order_no": "SO2609-0207",
     "sold_on": "2026-09-22", "quality_problem": True, "within_warranty": True,
     "lines": (("M8 不锈钢内六角螺栓", "M8×30 A2-70", "B260920", "2000", "表面划伤、生锈",
                "1960", None, None),)},
    {"key": "R5", "customer": "KH0013", "complaint": "C12", "status": "inspected",
     "created": "2026-11-05 09:00", "confirmed": "2026-11-05 15:00",
     "approved": "2026-11-06 10:00", "arrived_on": "2026-11-10", "inspected_on": "2026-11-12",
     "order_no": "SO2610-0144", "sold_on": "2026-10-22", "quality_problem": True,
     "within_warranty": True,
     "lines": (("男士纯棉衬衫", "L码 白色", "B261020", "80", "缩水变形", "80", None, None),
               ("男士纯棉衬衫", "XL码 蓝色", "B261020", "70", "缩水变形", "68", None, None))},
    {"key": "R6", "customer": "KH0007", "contract": "HT2026-002", "status": "decided",
     "department": "sales", "created": "2026-11-06 11:00", "confirmed": "2026-11-06 16:00",
     "approved": "2026-11-09 09:30", "arrived_on": "2026-11-12", "inspected_on": "2026-11-13",
     "decided_on": "2026-11-16", "order_no": "SO2610-0217", "sold_on": "2026-10-15",
     "quality_problem": False, "within_warranty": False,
     "remarks": "非质量问题退货，往返运费由客户承担。",
     "lines": (("家用电器礼盒", "标准装", "B261008", "50", "订货过量，未拆封", "50", "credit",
                None),
               ("家用电器礼盒", "豪华装", "B261008", "20", "订货过量", "20", "rejected",
                "外包装已拆封并有使用痕迹，不符合非质量问题退货条件，原样退回客户。"))},
    {"key": "R7", "customer": "KH0001", "complaint": "C01", "contract": "HT2026-001",
     "status": "closed", "level": "confidential", "created": "2026-09-09 10:00",
     "confirmed": "2026-09-09 15:00", "approved": "2026-09-10 09:00",
     "arrived_on": "2026-09-14", "inspected_on": "2026-09-16", "decided_on": "2026-09-18",
     "order_no": "SO2608-0153", "sold_on": "2026-08-20", "quality_problem": True,
     "within_warranty": True,
     "lines": (("PA-65W 电源适配器", "65W 20V/3.25A", "B260812", "120", "输出电压波动",
                "118", "exchange", None),
               ("PA-65W 电源适配器", "65W 20V/3.25A", "B260812", "5", "外壳开裂", "5",
                "repair", None),
               ("PA-45W 电源适配器", "45W 15V/3A", "B260805", "10", "客户一并退回",
                "10", "rejected", "检测合格且不属于本次质量问题批次，原样退回客户。"))},
    {"key": "R8", "customer": "KH0014", "status": "closed", "created": "2026-10-09 10:00",
     "confirmed": "2026-10-09 14:00", "approved": "2026-10-10 09:00",
     "arrived_on": "2026-10-12", "inspected_on": "2026-10-14", "decided_on": "2026-10-16",
     "order_no": "SO2609-0190", "sold_on": "2026-09-12", "quality_problem": True,
     "within_warranty": True,
     "lines": (("实木餐椅", "胡桃色", "B260808", "6", "漆面起泡", "6", "allowance", None),)},
)

#: Archive files. Dicts of model fields plus key, customer, department, created,
#: location (room, cabinet, shelf), refs (keys of cross-referenced files) and, for files
#: never transferred, created (Shanghai time; the others: 14 days before the transfer).
ARCHIVE_FILES = (
    {"key": "A01", "customer": "KH0001", "category": "sales", "department": "sales",
     "title": "深圳市华强电子有限公司 客户基本资料及销售档案", "status": "in_archive",
     "transferred_on": "2026-03-20", "location": ("一号档案室", "A-03", "2")},
    {"key": "A02", "customer": "KH0001", "category": "signing", "department": "sales",
     "level": "confidential", "title": "HT2026-001 电源适配器购销合同及评审记录",
     "status": "in_archive", "transferred_on": "2026-01-15",
     "location": ("一号档案室", "A-05", "1"), "refs": ("A01",)},
    {"key": "A03", "customer": "KH0001", "category": "maintenance", "department": "service",
     "title": "2026年9月电源适配器质量投诉处理档案", "status": "transferred",
     "transferred_on": "2026-11-10", "refs": ("A01", "A02")},
    {"key": "A04", "customer": "KH0007", "category": "signing", "department": "sales",
     "level": "confidential", "title": "华南区域经销协议（HT2026-002）签约资料",
     "status": "on_loan", "transferred_on": "2026-02-27",
     "location": ("一号档案室", "A-05", "2")},
    {"key": "A05", "customer": "KH0007", "category": "compensation", "department": "service",
     "level": "confidential", "title": "2026年9月延迟交货折让补偿档案",
     "status": "in_archive", "transferred_on": "2026-10-16",
     "location": ("一号档案室", "B-01", "3"), "refs": ("A04",)},
    {"key": "A06", "customer": "KH0022", "category": "litigation", "department": "legal",
     "level": "secret", "title": "燃气调压阀泄漏事故 协助公安调查卷宗",
     "status": "with_department", "retention": "permanent", "refs": ("A08",),
     "created": "2026-10-21 10:00",
     "description": "案件办结后移交档案室。"},
    {"key": "A07", "customer": "KH0033", "category": "litigation", "department": "legal",
     "level": "secret", "title": "2025年货款纠纷诉讼卷宗（已结案）", "status": "in_archive",
     "transferred_on": "2026-02-10",
     "location": ("二号档案室（保密）", "C-01", "1")},
    {"key": "A08", "customer": "KH0022", "category": "sales", "department": "sales",
     "level": "secret", "title": "大亚湾石化配套服务有限公司 客户销售档案（含调压阀供货记录）",
     "status": "in_archive", "transferred_on": "2026-04-08",
     "location": ("二号档案室（保密）", "C-01", "2")},
    {"key": "A09", "customer": "KH0016", "category": "certificates", "department": "sales",
     "level": "internal", "title": "佛山市顺德区美家电器有限公司 营业执照及资质证书（公开信息）",
     "status": "in_archive", "transferred_on": "2026-03-02",
     "location": ("一号档案室", "A-01", "1")},
    {"key": "A10", "customer": "KH0027", "category": "other", "department": "sales",
     "level": "internal", "title": "北京朝阳京华百货有限公司 公开招标公告及中标通知",
     "status": "with_department", "transfer_due_on": "2026-12-31",
     "created": "2026-10-09 15:00"},
    {"key": "A11", "customer": "KH0025", "category": "move_in", "department": "service",
     "title": "上海闵行海悦物业管理有限公司 入驻交接资料", "status": "in_archive",
     "transferred_on": "2026-07-06", "location": ("一号档案室", "A-02", "4")},
    {"key": "A12", "customer": "KH0014", "category": "lease", "department": "sales",
     "level": "confidential", "title": "家具城展厅租赁合同档案（HT2026-006，已终止）",
     "status": "in_archive", "transferred_on": "2026-09-07",
     "location": ("一号档案室", "A-06", "1")},
    {"key": "A13", "customer": "KH0014", "category": "lease", "department": "sales",
     "level": "confidential", "title": "家具城展厅租赁合同档案（原扫描件）",
     "status": "superseded", "transferred_on": "2026-02-05",
     "location": ("一号档案室", "A-06", "2"), "refs": ("A12",),
     "superseded_reason": "原扫描件字迹不清，已重新扫描建档，本卷停用保留。"},
    {"key": "A14", "customer": "KH0005", "category": "sales", "department": "sales",
     "title": "深圳市龙岗区鸿业包装材料有限公司 客户销售档案", "status": "with_department",
     "transfer_due_on": "2026-09-30", "description": "已超过移交期限，待销售部整理移交。",
     "created": "2026-03-16 10:00"},
    {"key": "A15", "customer": "KH0015", "category": "signing", "department": "sales",
     "level": "confidential", "title": "智能控制板委托加工协议（HT2026-004）签约资料",
     "status": "with_department", "signed_contract": "HT2026-004",
     "created": "2026-10-28 17:00"},
    {"key": "A16", "customer": "KH0032", "category": "maintenance", "department": "service",
     "title": "武汉楚天医药连锁有限公司 2026年下半年售后服务档案",
     "status": "with_department", "transfer_due_on": "2026-12-31",
     "created": "2026-07-01 09:00"},
    {"key": "A17", "customer": "KH0010", "category": "other", "department": "service",
     "title": "广州南沙港联物流有限公司 运费对账争议处理资料", "status": "transferred",
     "transferred_on": "2026-11-19"},
    {"key": "A18", "customer": "KH0019", "category": "maintenance", "department": "service",
     "title": "林美玲 上门维修记录", "status": "superseded", "retention": "10y",
     "superseded_reason": "与该客户另一档案重复建档，资料已合并，本卷停用保留。",
     "created": "2026-04-20 11:00"},
    {"key": "A19", "customer": "KH0026", "category": "sales", "department": "sales",
     "title": "北京中关村鼎新科技有限公司 客户销售档案", "status": "in_archive",
     "transferred_on": "2026-05-11", "location": ("一号档案室", "A-03", "5")},
    {"key": "A20", "customer": "KH0012", "category": "signing", "department": "sales",
     "level": "confidential", "title": "五金件委托加工协议（HT2025-018）签约资料",
     "status": "in_archive", "transferred_on": "2025-06-18",
     "location": ("一号档案室", "A-05", "3")},
)

#: Loans. Dicts of model fields plus key, file, borrower (a demo user, who also requests
#: it) or outside borrower fields with requester, and Shanghai times of the steps.
LOANS = (
    {"file": "A19", "borrower": "clerk.service", "status": "requested", "mode": "read",
     "purpose": "处理客户重新提起的投诉，需核对历史交易记录。", "due_date": "2026-11-27",
     "created": "2026-11-20 15:00"},
    {"file": "A20", "borrower": "clerk.sales", "status": "approved", "mode": "take_out",
     "purpose": "续签加工协议前查阅原合同条款及价格。", "due_date": "2026-11-30",
     "created": "2026-11-18 09:00", "approved": "2026-11-19 10:00"},
    {"file": "A07", "borrower": "clerk.sales", "status": "rejected", "mode": "read",
     "purpose": "了解该客户历史诉讼情况。", "due_date": "2026-11-20",
     "created": "2026-11-13 14:00", "approved": "2026-11-16 09:30",
     "decision_reason": "申请人与该案件无工作关联，机密诉讼卷宗不予借阅。"},
    {"file": "A04", "borrower": "supervisor", "status": "lent", "mode": "take_out",
     "purpose": "处理粤海贸易延迟交货投诉及折让核算，需核对经销协议条款。",
     "due_date": "2026-11-25", "created": "2026-11-13 10:00", "approved": "2026-11-16 09:00",
     "lent": "2026-11-16 14:00"},
    {"file": "A04", "borrower": "clerk.sales", "status": "returned", "mode": "take_out",
     "purpose": "核对经销协议返利条款。", "due_date": "2026-09-20",
     "created": "2026-09-11 10:00", "approved": "2026-09-14 09:00",
     "lent": "2026-09-14 10:00", "returned": "2026-09-18 16:30"},
    {"file": "A19", "borrower": "auditor", "status": "returned", "mode": "read",
     "purpose": "2026年度客户档案管理专项审计。", "due_date": "2026-10-30",
     "created": "2026-10-23 09:00", "approved": "2026-10-26 10:00",
     "lent": "2026-10-27 09:00", "returned": "2026-10-27 17:00"},
    {"file": "A07", "borrower": "supervisor", "status": "legal_approved", "mode": "read",
     "purpose": "KH0033再次拖欠货款，核对原诉讼调解书的付款条款。", "due_date": "2026-12-18",
     "created": "2026-11-24 10:00", "legal_approved": "2026-11-25 15:00"},
    {"file": "A08", "requester": "supervisor", "status": "approved", "mode": "read",
     "outside_name": "罗振东", "outside_organ": "police", "credential_type": "police_card",
     "credential_number": "044127", "inquiry_notice_no": "惠公大协查字〔2026〕第0186号",
     "purpose": "惠州市公安局大亚湾分局调查燃气泄漏事故，查阅燃气调压阀供货记录。",
     "due_date": "2026-11-26", "created": "2026-11-17 16:00",
     "legal_approved": "2026-11-18 11:00", "approved": "2026-11-19 09:00"},
    # Registered by the archive keeper for a judge who came with a 协助调查通知书: waits
    # for the legal office (an outside borrower, a secret file), then for the GM office.
    {"file": "A07", "requester": "gm.archive", "status": "requested", "mode": "read",
     "outside_name": "邓文静", "outside_organ": "court", "credential_type": "court_card",
     "credential_number": "粤0307法执字第0412号",
     "inquiry_notice_no": "（2026）粤0307执协字第215号",
     "purpose": "深圳市龙岗区人民法院执行KH0033欠款案，核对原诉讼调解书及付款记录。",
     "due_date": "2026-12-11", "created": "2026-11-30 14:30"},
)


# -- helpers ----------------------------------------------------------------------------

def day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def working_day_before(start: date, count: int) -> date:
    """The ``count``-th working day before ``start`` on the Chinese official calendar."""
    while count:
        start -= timedelta(days=1)
        count -= is_working_day(start)[0]
    return start


def later(when: str, **delta) -> str:
    """A Shanghai time ``delta`` after ``when`` (``later("2026-09-08 10:20", hours=2)``)."""
    return shanghai(local(when) + timedelta(**delta))


def between(start: str, end: str, share: float) -> str:
    """The Shanghai time ``share`` of the way from ``start`` to ``end`` (to the minute)."""
    first, last = local(start), local(end)
    return shanghai(first + timedelta(minutes=int((last - first).total_seconds() / 60
                                                  * share)))


def office(when: str) -> str:
    """``when``, or the next office moment (08:30 to 18:00) if it falls outside one."""
    clock = when[11:]
    if clock >= "18:00":
        return f"{day(when[:10]) + timedelta(days=1)} 08:30"
    return f"{when[:10]} 08:30" if clock < "08:30" else when


def rank(model, status: str) -> int:
    return list(model.statuses).index(status)


def add(record, created: str = DEMO_EPOCH):
    """Add ``record`` with a fixed creation time, written as the system's doing: for a
    record nobody registered by hand. A record a user made goes through ``Story``."""
    if hasattr(record, "created_at"):
        record.created_at = local(created)
    if hasattr(record, "updated_at"):
        record.updated_at = local(created)
    db.session.add(record)
    return record


class Demo:
    """The records made so far, by their demo keys, for later records to point at."""

    def __init__(self) -> None:
        self.rng = random.Random(2026)
        self.departments: dict[str, Department] = {}
        self.users: dict[str, AppUser] = {}
        self.story = Story(self.users)
        self.customers: dict[str, Customer] = {}
        self.contracts: dict[str, Contract] = {}
        self.complaints: dict[str, Complaint] = {}
        self.penalties: dict[str, Penalty] = {}
        self.files: dict[str, ArchiveFile] = {}

    def clerk(self, department: str) -> str:
        """The demo clerk of a department (the sales clerk for any other)."""
        return "clerk.service" if department == "service" else "clerk.sales"


def already_seeded() -> bool:
    """True when a demo account or the first demo customer exists."""
    usernames = [username for username, *_ in USERS]
    return (db.session.scalar(sa.select(AppUser.id).where(AppUser.username.in_(usernames))
                              .limit(1)) is not None
            or db.session.scalar(sa.select(Customer.id).where(Customer.code == "KH0001"))
            is not None)


# -- builders ---------------------------------------------------------------------------

def make_departments_and_users(demo: Demo) -> None:
    """The demo departments and accounts, set up by the administrator; a department
    that already exists under its code is reused."""
    admin_row = USERS[0]
    admin = AppUser(username=admin_row[0])  # filled below; it acts once it has its id
    with recorded_as(admin, local(DEMO_EPOCH)):
        for code, name in DEPARTMENTS:
            department = db.session.scalar(sa.select(Department)
                                           .where(Department.code == code))
            demo.departments[code] = department or add(Department(code=code, name=name))
        for username, full_name, roles, department, clearance in USERS:
            user = admin if username == admin.username else AppUser(username=username)
            user.full_name, user.roles, user.clearance = full_name, roles, clearance
            user.department = demo.departments[department]
            user.set_password(DEMO_PASSWORD)
            demo.users[username] = add(user)
    # the *_by_id columns without a relationship need the users' ids: flushed above


def make_customers(demo: Demo) -> None:
    """Customers as imported from the old register by their departments' clerks."""
    rng = demo.rng
    for number, row in enumerate(CUSTOMERS, start=1):
        name, region, kind, grade, industry, level, remarks = row
        code = f"KH{number:04d}"
        area, prefix, streets = REGIONS[region]
        street = next((s for s in streets if s[:2] in name), rng.choice(streets))
        (low, high), rating, share = GRADE_PROFILE[grade]
        company = kind != "consumer"
        sales = Decimal(rng.randint(low, high) * 10000) if company else None
        in_service = kind in ("consumer", "other") or number % 4 == 0
        # The salespeople (客户经理) are the supervisor for the A customers and the sales
        # clerk for the others; the patrol visitors (巡访专人) sell in no region
        # (``models/customer_lists``): the service manager visits the A customers, the
        # service clerk the others.
        manager = demo.users["supervisor" if grade == "A" else "clerk.sales"]
        visitor = demo.users["manager.service" if grade == "A" else "clerk.service"]
        department = "service" if in_service else "sales"
        customer = Customer(
            code=code, name=name, kind=kind, grade=grade, industry=industry, region=region,
            address=f"{prefix}{street}{rng.randint(1, 399)}号",
            legal_representative=rng.choice(PEOPLE) if company else None,
            contact_person=rng.choice(PEOPLE) if company else name,
            phone=f"{area}-{rng.randint(20000000, 89999999)}" if company
            else f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
            email=f"{code.lower()}@example.com" if company else None,
            first_trade_date=date(rng.randint(2010, 2025), rng.randint(1, 12),
                                  rng.randint(1, 28)),
            annual_sales=sales,
            credit_rating=rating if company else None,
            credit_limit=(sales * share).quantize(Decimal("10000")) if company
            else Decimal("0"),
            account_manager=manager, patrol_visitor=visitor, remarks=remarks,
            department=demo.departments[department], level=level)
        creator = demo.story.cleared(level, demo.clerk(department), "supervisor")
        demo.customers[code] = demo.story.create(customer, creator, DEMO_EPOCH)


def make_contracts(demo: Demo) -> None:
    """Drafted and submitted by the sales clerk, who also records the review opinions;
    the GM office approves the quote; the supervisor signs, puts in force, completes or
    terminates; order changes are written by the sales clerk and confirmed by the
    supervisor."""
    story = demo.story
    for row in CONTRACTS:
        (number, customer, title, kind, amount, currency, status, signed, starts, ends,
         level, department) = row
        details = dict(CONTRACT_DETAILS.get(number, {}))
        signing = day(signed) or date(2026, 11, 16)
        reviewed, quoted = working_day_before(signing, 3), working_day_before(signing, 1)
        drafted = f"{reviewed - timedelta(days=7)} 09:00"
        contract = story.create(Contract(
            number=number, customer=demo.customers[customer], title=title, kind=kind,
            amount=money(amount), currency=currency, starts_on=day(starts),
            ends_on=day(ends), level=level, owner=demo.users["clerk.sales"],
            department=demo.departments[department]), "clerk.sales", drafted)
        demo.contracts[number] = contract
        if status == "draft":
            continue
        story.step(contract, "submit_review", "clerk.sales",
                   f"{reviewed - timedelta(days=1)} 10:00")
        reviews = [ContractReview(aspect=aspect, reviewer=REVIEWERS[aspect][0],
                                  opinion=REVIEWERS[aspect][1], reviewed_on=reviewed,
                                  recorded_by_id=demo.users["clerk.sales"].id)
                   for aspect in PARTIAL_REVIEWS.get(number, tuple(REVIEWERS))]
        story.edit(contract, "clerk.sales", f"{reviewed} 17:00", reviews=reviews)
        if rank(Contract, status) >= rank(Contract, "quote_approved"):
            story.step(contract, "approve_quote", "gm", f"{quoted} 16:00")
        if signed:
            story.step(contract, "sign", "supervisor", f"{signed} 15:00",
                       signed_on=day(signed))
        if status in ("in_force", "completed") or starts and status == "terminated":
            story.step(contract, "put_in_force", "supervisor", f"{starts} 09:00")
        if status == "completed":
            story.step(contract, "complete", "supervisor", f"{ends} 17:00")
        if status == "terminated":
            story.step(contract, "terminate", "supervisor", "2026-08-31 17:00", **details)
    for number, created, reason, content, status, confirmed in ORDER_CHANGES:
        contract = demo.contracts[number]
        change = OrderChange(reason=reason, content=content, created_at=local(created))
        story.edit(contract, "clerk.sales", created,
                   order_changes=[*contract.order_changes, change])
        if status == "confirmed":
            def confirmed_then(_created, change=change, confirmed=confirmed):
                change.confirmed_at = local(confirmed)  # the hook stamped the clock's time
            story.step(contract, "confirm_changes", "supervisor", confirmed,
                       then=confirmed_then)


#: Fields a complaint has when it is registered; the rest come with its steps.
REGISTERED = ("channel", "kind", "severity", "complainant", "product", "order_no",
              "batch_no", "quantity_affected", "content", "request", "level")


def make_complaints(demo: Demo) -> None:
    """Registered by the department's clerk, investigated by the clerk, the finding and
    the proposal by the supervisor, approved by the service manager (general) or the
    GM office (major), the customer notified and the case closed by the clerk.
    Numbers and due dates come from the before_flush hook, in order of receipt."""
    for spec in sorted(COMPLAINTS, key=lambda spec: spec["received"]):
        complaint_story(demo, dict(spec))


def complaint_story(demo: Demo, spec: dict) -> None:
    story, key, received = demo.story, spec["key"], spec["received"]
    department = spec.get("department", "service")
    clerk = story.cleared(spec.get("level"), demo.clerk(department), "supervisor")
    fields = {name: spec[name] for name in REGISTERED if name in spec}
    fields["quantity_affected"] = money(fields.get("quantity_affected"))
    if spec.get("reopened_from"):  # the customer refused the earlier result
        earlier = demo.complaints[spec["reopened_from"]]

        def received_again(new):
            new.received_at = new.created_at = new.updated_at = local(received)
            for name, value in fields.items():
                setattr(new, name, value)
        complaint = story.step(earlier, "reopen", clerk, received, then=received_again)
    else:
        complaint = story.create(Complaint(
            customer=demo.customers[spec["customer"]], received_at=local(received),
            department=demo.departments[department], **fields), clerk, received)
    demo.complaints[key] = complaint
    status = spec["status"]
    if status == "registered":
        return
    approved = spec.get("approved")
    story.step(complaint, "investigate", clerk, office(later(received, minutes=30)))
    if status == "investigating":
        return
    (cause, responsible, person, handling, detail, corrective, loss) = spec["resolution"]
    determined = office(later(received, hours=2))
    proposed = office(later(determined, hours=2))
    if approved and local(proposed) >= local(approved):  # a quick decision: in between
        determined, proposed = (between(received, approved, share) for share in (0.4, 0.7))
    story.step(complaint, "determine_responsibility", "supervisor", determined,
               cause_analysis=cause, responsible_department=demo.departments[responsible],
               responsible_person=person)
    if spec.get("extended_by"):  # granted by the GM office (at most 7 working days)
        extended, _ = add_working_days(local_date_of(complaint.received_at),
                                       spec["extended_by"])
        story.step(complaint, "extend", "gm", office(later(determined, hours=1)),
                   extended_due_date=extended)
    if status == "responsibility_determined":
        return
    # The corrective action is a record of its own (demo_service.make_corrective_actions).
    findings = {"handling_detail": detail, "loss_amount": money(loss)}
    if handling == "not_upheld":
        story.step(complaint, "not_upheld", "supervisor", proposed, **findings)
    else:
        story.step(complaint, "propose_handling", "supervisor", proposed,
                   handling=handling, **findings)
    if not approved:
        return
    if complaint.severity == "major":
        story.step(complaint, "approve_major", "gm", approved)
    else:
        story.step(complaint, "approve_general", "manager.service", approved)
    if spec.get("notified"):
        story.step(complaint, "notify_customer", clerk, spec["notified"])
    if spec.get("closed"):
        story.step(complaint, "close", clerk, spec["closed"])


def make_penalties(demo: Demo) -> None:
    """Proposed by the service supervisor; approved or rejected, and marked applied, by
    the GM office."""
    story = demo.story
    for row in sorted(PENALTIES, key=lambda row: row[1]):  # numbers in date order
        (key, created, complaint, responsible, person, kind, amount, reason, status, decided,
         applied, decision_reason, corrects) = row
        penalty = story.create(Penalty(
            complaint=demo.complaints.get(complaint),
            responsible_department=demo.departments[responsible], responsible_person=person,
            kind=kind, amount=money(amount), reason=reason,
            issued_on=local_date_of(local(created)),
            proposed_by_id=demo.users["supervisor"].id, corrects=demo.penalties.get(corrects),
            department=demo.departments["service"]), "supervisor", created)
        demo.penalties[key] = penalty
        if status == "rejected":
            story.step(penalty, "reject", "gm", decided, decision_reason=decision_reason)
        elif status != "proposed":
            story.step(penalty, "approve", "gm", decided)
        if status == "applied":
            # The GM office keeps its copy and sends one each to accounting (查核联) and
            # to the department that deducts (罚扣联) before the notice is applied.
            story.step(penalty, "distribute", "gm", decided,
                       accounting_department=demo.departments["finance"],
                       deducting_department=demo.departments[responsible])
            story.step(penalty, "apply", "gm", applied)


def make_return_slips(demo: Demo) -> None:
    """Applied for by the department's clerk; confirmed by the supervisor as regional
    manager and approved by the customer-service department's manager (one person
    never signs both); goods received, inspected and decided by the clerk; closed by
    the supervisor."""
    story = demo.story
    for spec in sorted(RETURN_SLIPS, key=lambda spec: spec["created"]):
        spec = dict(spec)
        spec.pop("key")
        customer, lines, created = spec.pop("customer"), spec.pop("lines"), spec.pop("created")
        complaint, contract = spec.pop("complaint", None), spec.pop("contract", None)
        department = spec.pop("department", "service")
        status = spec.pop("status")
        moments = {name: spec.pop(name, None) for name in ("confirmed", "approved")}
        steps_on = {name: day(spec.pop(name, None))
                    for name in ("arrived_on", "inspected_on", "decided_on")}
        clerk = story.cleared(spec.get("level"), demo.clerk(department), "supervisor")
        spec["sold_on"] = day(spec.get("sold_on"))
        slip = ReturnSlip(
            customer=demo.customers[customer], complaint=demo.complaints.get(complaint),
            contract=demo.contracts.get(contract),
            department=demo.departments[department],
            applied_on=local_date_of(local(created)), **spec)
        for product, specification, batch, claimed, reason, *_decided in lines:
            slip.lines.append(ReturnLine(
                product=product, specification=specification, batch_no=batch,
                quantity_claimed=money(claimed), reason=reason))
        story.create(slip, clerk, created)
        if moments["confirmed"]:
            story.step(slip, "confirm", "supervisor", moments["confirmed"])
        if moments["approved"]:
            story.step(slip, "approve", "manager.service", moments["approved"])
        if steps_on["arrived_on"]:
            story.step(slip, "receive", clerk, f"{steps_on['arrived_on']} 10:00",
                       arrived_on=steps_on["arrived_on"],
                       lines=[{"quantity_counted": money(line[5])} for line in lines])
        if steps_on["inspected_on"]:
            story.step(slip, "inspect", clerk, f"{steps_on['inspected_on']} 15:00",
                       inspected_on=steps_on["inspected_on"])
        if steps_on["decided_on"]:
            story.step(slip, "decide", clerk, f"{steps_on['decided_on']} 16:00",
                       decided_on=steps_on["decided_on"],
                       lines=[{"decision": line[6], "decision_reason": line[7]}
                              for line in lines])
        if status == "closed":
            story.step(slip, "close", "supervisor", f"{steps_on['decided_on']} 17:30")


def make_archive_files(demo: Demo) -> None:
    """Made by the owning department (its clerk, or whoever of it may read the file)
    and transferred by it; received into the archive room and marked superseded by the
    GM office. Files are made in the order of their creation; a cross-reference to a
    file made later is added by the referring file's maker once that file exists, and
    a file is superseded last (its references are fixed from then on)."""
    story, makers, superseded, forward = demo.story, {}, [], []
    specs = [dict(spec) for spec in ARCHIVE_FILES]
    for spec in specs:
        spec["created"] = spec.get("created") or \
            f"{day(spec['transferred_on']) - timedelta(days=14)} 09:00"
    for spec in sorted(specs, key=lambda spec: local(spec["created"])):
        key, customer, created = spec.pop("key"), spec.pop("customer"), spec.pop("created")
        department = spec.pop("department")
        room, cabinet, shelf = spec.pop("location", (None, None, None))
        refs = spec.pop("refs", ())
        status, transferred = spec.pop("status"), day(spec.pop("transferred_on", None))
        reason = spec.pop("superseded_reason", None)
        signed_contract = spec.pop("signed_contract", None)
        spec["transfer_due_on"] = day(spec.get("transfer_due_on"))
        if signed_contract:  # signing files go to the archive room within 5 working days
            spec["transfer_due_on"], _ = add_working_days(
                demo.contracts[signed_contract].signed_on, 5)
        maker = {"legal": "legal"}.get(department) or story.cleared(
            spec.get("level"), demo.clerk(department), "supervisor")
        record = story.create(ArchiveFile(
            customer=demo.customers[customer], department=demo.departments[department],
            references=[demo.files[r] for r in refs if r in demo.files], **spec),
            maker, created)
        demo.files[key], makers[key] = record, maker
        forward += [(key, r) for r in refs if r not in demo.files or r == key]
        if transferred:
            story.step(record, "transfer", maker, f"{transferred} 10:00")
        if room:
            story.step(record, "receive", "gm", f"{transferred} 15:00", room=room,
                       cabinet=cabinet, shelf=shelf)
        if status == "superseded":
            superseded.append((record, reason, f"{transferred or created[:10]} 16:00"))
    for key, target in forward:
        record, other = demo.files[key], demo.files[target]
        story.edit(record, makers[key], later(shanghai(other.created_at), hours=2),
                   references=[*record.references, other])
    for record, reason, earliest in superseded:
        newest = max([local(earliest), *(f.created_at for f in record.references)])
        story.step(record, "supersede", "gm", later(shanghai(newest), days=1),
                   superseded_reason=reason)


def make_loans(demo: Demo) -> None:
    """Requested by the borrower (or, for an outside borrower, the supervisor or the GM
    office's archive keeper who receives them); approved by the legal office first where
    the file asks it, then by the GM office, which also hands the file out and takes it
    back. Each loan's level
    follows its file (``Loan.derive``); loans are told in the order they were asked."""
    story = demo.story
    for spec in sorted(LOANS, key=lambda spec: local(spec["created"])):
        spec = dict(spec)
        archive_file = demo.files[spec.pop("file")]
        borrower = demo.users.get(spec.pop("borrower", None))
        requester = borrower or demo.users[spec.pop("requester")]
        created, status = spec.pop("created"), spec.pop("status")
        moments = {name: spec.pop(name, None)
                   for name in ("legal_approved", "approved", "lent", "returned")}
        decision_reason = spec.pop("decision_reason", None)
        spec["due_date"] = day(spec["due_date"])
        loan = story.create(Loan(
            archive_file=archive_file, borrower=borrower, requested_by=requester,
            department=requester.department, **spec), requester.username, created)
        if moments["legal_approved"]:
            story.step(loan, "legal_approve", "legal", moments["legal_approved"])
        if status == "rejected":
            story.step(loan, "reject", "gm", moments["approved"],
                       decision_reason=decision_reason)
        elif moments["approved"]:
            story.step(loan, "approve", "gm", moments["approved"])
        if moments["lent"]:
            story.step(loan, "lend", "gm", moments["lent"])
        if moments["returned"]:
            story.step(loan, "return_file", "gm", moments["returned"])


STEPS = (make_departments_and_users, make_customers, make_contracts, make_complaints,
         make_penalties, make_return_slips, make_archive_files, make_loans)


def seed() -> bool:
    """Load the demo data set and commit; False (and no change) if it is already there.

    The events of the records' stories are written in the order of their times; the
    last event, the system's own, says the demo data was loaded (now)."""
    if already_seeded():
        return False
    demo = Demo()
    for step in STEPS:
        step(demo)
    order_pending_by_time()
    record_event("seed_demo", changes={  # per record type: read as its label
        "customer": len(demo.customers), "contract": len(demo.contracts),
        "complaint": len(demo.complaints), "penalty": len(demo.penalties),
        "return_slip": len(RETURN_SLIPS), "archive_file": len(demo.files),
        "loan": len(LOANS)})
    db.session.commit()
    return True


# -- 洽办单 and the monthly review (models/timeliness_inquiry.py, models/monthly_review.py)

def make_clock_records(demo: Demo) -> None:
    """A 洽办单 on the first closed complaint handled late, waiting for its department's
    answer; the GM office's review of September 2026, done on 9 October."""
    from models import MonthlyReview, TimelinessInquiry

    db.session.flush()  # the handling clock's verdicts are derived at the flush
    late = sorted((c for c in demo.complaints.values()
                   if c.status == "closed" and c.handled_on_time is False),
                  key=lambda c: c.number)
    gm = demo.users["gm"]
    story = demo.story
    if late:
        complaint = late[0]
        asked = local_date_of(complaint.closed_at) + timedelta(days=3)
        story.create(TimelinessInquiry(
            complaint=complaint, asked_by_id=gm.id,
            responsible_department=complaint.responsible_department or complaint.department,
            question="请说明该投诉处理逾期的原因及改进措施。"), "gm", f"{asked} 10:00")
    review = story.create(MonthlyReview(month=date(2026, 9, 1),
                                        remarks="九月结案投诉已审视，无行政处分案件。"),
                          "gm", "2026-10-09 15:30")
    story.step(review, "mark_reviewed", "gm", "2026-10-09 16:00")


STEPS = (*STEPS, make_clock_records, make_projects)
from demo_visits import make_visits  # noqa: E402  (visits and grading, issue 14)

STEPS = (*STEPS, make_visits)
STEPS = (*STEPS, *__import__("demo_service").STEPS)  # issue 14 items 2-5


# -- the quality-feedback summary's review (models/report_review.py) -------------------

def make_report_reviews(demo: Demo) -> None:
    """October 2026's quality-feedback summary, handed in by the customer-service
    supervisor on 24 November (due by the 25th); November's is due on the 25th of
    December (the home page says so until it is marked reviewed)."""
    from models import ReportReview

    review = demo.story.create(ReportReview(report="quality_feedback",
                                            month=date(2026, 10, 1),
                                            remarks="十月质量信息反馈总结已报营销、生产、品质、采购、技术部门。"),
                               "supervisor", "2026-11-24 16:00")
    demo.story.step(review, "mark_reviewed", "supervisor", "2026-11-24 16:30")


STEPS = (*STEPS, make_report_reviews)


# -- 经办人 (models.mixins.Assignable): the supervisor assigns the open records ----------

def make_assignments(demo: Demo) -> None:
    """The service supervisor assigns each open complaint, return slip, service request
    and work order to the department's clerk (the supervisor takes what the clerk is
    not cleared for) twenty office minutes after it was registered; the newest of each
    kind still waits for an owner. The clerks' home pages list their items (我的事项)."""
    from models import REGISTRY
    from models.mixins import Assignable, utcnow

    db.session.flush()
    for model in REGISTRY.values():
        if not issubclass(model, Assignable):
            continue
        records = db.session.scalars(sa.select(model).where(
            model.status.in_(model.open_statuses())).order_by(model.created_at)).all()
        for record in records[:-1]:
            code = record.department.code
            who = demo.story.cleared(record.level, demo.clerk(code),
                                     *(("supervisor",) if code == "service" else ()))
            if demo.users[who].department_id != record.department_id:
                continue  # nobody of its department is cleared for it
            when = office(later(shanghai(record.created_at), minutes=20))
            demo.story.step(record, "assign", "supervisor",
                            min(when, shanghai(utcnow())), owner=demo.users[who])


STEPS = (*STEPS, make_assignments)
