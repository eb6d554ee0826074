"""Demo visits (issue 14 items 1 and 6), told through ``demo_story`` like every record.

Five weeks of visit reports (26 October to 30 November 2026) by the two demo patrol
visitors — 王丽娟 (clerk.service) for the B–D customers, 黄建军 (manager.service) for
the A customers — one each working day, to the customers whose level they may
read; the supervisor (陈国华) reads the reports up to the week before the last. Their
November plans approved by the department head and the GM office, December's on the
way, a first-quarter plan in draft; three urgent visit reports (decided, read,
waiting); the October summary reviewed, November's prepared; three grading reviews
(decided, rejected, proposed), with the reviewed customers' sales year by year and a
credit incident; four customer qualifications on record, one expiring and one expired.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from demo_story import local
from models import (
    CreditIncident,
    CustomerQualification,
    CustomerYearSales,
    GradingReview,
    UrgentVisitReport,
    VisitPlan,
    VisitPlanLine,
    VisitReport,
    VisitSummary,
)
from models.choices import CUSTOMER_KINDS
from models.visit_report import QUALITY_SCORES, REPUTATION_SCORES, SERVICE_SCORES
from models.workdays import is_working_day
from permissions import dominates

FIRST_DAY, LAST_DAY = date(2026, 10, 26), date(2026, 11, 30)
#: What the visitors heard, in turn.
OPINIONS = ("希望缩短交货周期，旺季前备足库存。", "对新包装表示认可，建议增加小规格装。",
            "反映上批次个别产品外箱破损。", "希望提供季度返利明细。", "对售后响应速度满意。",
            "希望安排一次产品使用培训。")
MARKET = ("同行近期下调出厂价约5%。", "竞争对手推出新款节能型号。", "本地市场需求平稳，库存正常。",
          "同行加大了渠道返利力度。", "原材料价格上涨，客户担心后续调价。")
HANDLED = ("现场清点库存并登记补货需求。", "讲解新产品性能及注意事项，发放征询卡。",
           "协调物流重新安排配送时间。", "收集客户对账单差异并转财务核对。")


def working_days(first: date, last: date):
    day = first
    while day <= last:
        if is_working_day(day)[0]:
            yield day
        day += timedelta(days=1)


def visitor_of(demo, customer) -> str | None:
    username = customer.patrol_visitor.username
    return username if dominates(demo.users[username].clearance, customer.level) else None


def make_visit_reports(demo) -> dict[str, list]:
    """Each visitor visits one of their customers every working day, in turn."""
    rng, story = demo.rng, demo.story
    rounds: dict[str, list] = {}
    for customer in demo.customers.values():
        visitor = visitor_of(demo, customer)
        if visitor is not None:
            rounds.setdefault(visitor, []).append(customer)
    visits: dict[str, list] = {name: [] for name in rounds}
    days = list(working_days(FIRST_DAY, LAST_DAY))
    for visitor, customers in sorted(rounds.items()):
        for number, day in enumerate(days):
            customer = customers[number % len(customers)]
            when = f"{day} {'10:00' if number % 2 else '14:30'}"
            report = story.create(VisitReport(
                customer=customer, visited_by_id=demo.users[visitor].id,
                visited_at=local(when), opinions=OPINIONS[number % len(OPINIONS)],
                market_news=MARKET[number % len(MARKET)], effect="客户满意，关系良好。",
                matters_handled=HANDLED[number % len(HANDLED)],
                quality_score=rng.choice(list(QUALITY_SCORES)[:4]),
                service_score=rng.choice(list(SERVICE_SCORES)[:5]),
                reputation_score=rng.choice(list(REPUTATION_SCORES)[:5]),
                confirmed_by_name=customer.contact_person,
                department=demo.departments["service"], level=customer.level),
                visitor, f"{day} 17:30")
            visits[visitor].append((day, report))
            if day <= LAST_DAY - timedelta(days=7):
                story.step(report, "review", "supervisor", f"{day + timedelta(days=1)} 09:00")
    return visits


def plan(demo, visitor: str, period: str, starts: date, lines, drawn: str) -> VisitPlan:
    record = VisitPlan(period=period, starts_on=starts, visitor=demo.users[visitor],
                       drawn_up_by_id=demo.users[visitor].id,
                       key_products="节能型电源适配器、小规格包装产品",
                       key_surveys="客户库存、进货、销售状况；对本公司产品的批评与建议",
                       special_surveys="同行返利政策变化", department=demo.departments["service"],
                       level="internal")
    record.lines = [VisitPlanLine(customer=customer, planned_on=day, purpose="定期巡访")
                    for day, customer in lines]
    return demo.story.create(record, visitor, drawn)


def make_visit_plans(demo, visits) -> None:
    story = demo.story
    for visitor in sorted(visits):
        november = [(day, report.customer) for day, report in visits[visitor]
                    if day >= date(2026, 11, 1)]
        done = plan(demo, visitor, "month", date(2026, 11, 1), november, "2026-10-27 09:00")
        story.step(done, "submit", visitor, "2026-10-27 16:00")
        story.step(done, "approve_department", "supervisor", "2026-10-28 10:00")
        story.step(done, "approve", "gm", "2026-10-29 15:00")
        december = [(day + timedelta(days=35), customer) for day, customer in november]
        december = [(d, c) for d, c in december if d.month == 12]
        waiting = plan(demo, visitor, "month", date(2026, 12, 1), december, "2026-11-26 09:00")
        story.step(waiting, "submit", visitor, "2026-11-26 16:00")
        if visitor == "manager.service":
            story.step(waiting, "approve_department", "supervisor", "2026-11-27 10:00")
    first = sorted(visits)[0]
    plan(demo, first, "quarter", date(2027, 1, 1),
         [(date(2027, 1, 12), visits[first][0][1].customer)], "2026-11-30 15:00")


def make_urgent_reports(demo, visits) -> None:
    story = demo.story
    sources = [report for _day, report in visits["clerk.service"]]
    decided = story.create(UrgentVisitReport(
        kind="competitor_policy", subject="同行下调出厂价约5%并加大渠道返利",
        content="巡访中多家经销商反映同行自11月起下调出厂价约5%，返利由季度改为月度结算。",
        visit_report=sources[3], customer=sources[3].customer,
        reported_by_id=demo.users["supervisor"].id,
        department=demo.departments["service"], level="internal"),
        "supervisor", "2026-11-05 11:00")
    story.step(decided, "mark_read", "gm", "2026-11-05 11:40")
    story.step(decided, "decide", "gm", "2026-11-06 10:00",
               decision="暂不调价；销售部一周内提出重点客户返利调整方案报总经理室。")
    read = story.create(UrgentVisitReport(
        kind="own_defect", subject="多家客户反映同批次外箱破损",
        content="巡访发现批次B2611-03外箱抗压不足，三家客户到货破损。",
        visit_report=sources[-4], customer=sources[-4].customer,
        reported_by_id=demo.users["supervisor"].id,
        department=demo.departments["service"], level="internal"),
        "supervisor", "2026-11-24 16:00")
    story.step(read, "mark_read", "gm", "2026-11-25 08:50")
    story.create(UrgentVisitReport(
        kind="competitor_product", subject="竞争对手推出新款节能型号",
        content="同行新款节能型电源适配器已在华南上市，定价低于本公司同类产品。",
        reported_by_id=demo.users["supervisor"].id,
        department=demo.departments["service"], level="internal"),
        "supervisor", "2026-11-30 17:00")


def make_visit_summaries(demo) -> None:
    story = demo.story
    october = story.create(VisitSummary(
        month=date(2026, 10, 1),
        comments="十月下旬开始按计划巡访，客户总体满意，关注同行降价动向。",
        prepared_by_id=demo.users["clerk.service"].id,
        department=demo.departments["service"], level="internal"),
        "clerk.service", "2026-11-02 10:00")
    story.step(october, "review", "supervisor", "2026-11-03 09:30")
    story.create(VisitSummary(
        month=date(2026, 11, 1), comments="十一月巡访按计划完成，外箱破损问题已报总经理室。",
        prepared_by_id=demo.users["clerk.service"].id,
        department=demo.departments["service"], level="internal"),
        "clerk.service", "2026-11-30 17:30")


def make_grading_reviews(demo) -> None:
    story = demo.story
    reviews = (("KH0017", "B", "A", "decided"), ("KH0013", "C", "D", "rejected"),
               ("KH0024", "B", "B", "proposed"))
    for code, before, proposed, status in reviews:
        customer = demo.customers[code]
        assert customer.grade == before, (code, customer.grade)
        review = story.create(GradingReview(
            customer=customer, nature=str(CUSTOMER_KINDS[customer.kind]), size="中型企业",
            sales=customer.annual_sales, trend="growing" if proposed < before else
            "declining" if proposed > before else "stable", grade=proposed,
            reasons="年度客户评估：按性质、规模、销售额和经营发展趋势评定。",
            proposed_by_id=demo.users["supervisor"].id,
            department=demo.departments["service"], level=customer.level),
            "supervisor", "2026-11-16 10:00")
        if status == "decided":
            story.step(review, "decide", "gm", "2026-11-18 15:00", decided_grade=proposed,
                       decision_remarks="销售额连续两年增长，同意升为A级。")
        elif status == "rejected":
            story.step(review, "reject", "gm", "2026-11-18 15:10",
                       decision_remarks="客户仍有稳定订单，维持原等级，下年度再评。")


#: (customer, kind, number, issued by, valid until): one expires within the reminder's
#: window of the demo's last day, one has expired.
QUALIFICATIONS = (
    ("KH0007", "business_licence", "91440101MA59XK2T3L", "广州市天河区市场监督管理局",
     date(2030, 6, 30)),
    ("KH0011", "distribution_licence", "粤饲经（2021）01234", "广州市农业农村局",
     date(2026, 12, 20)),
    ("KH0034", "production_licence", "湘饲证（2020）05678", "湖南省农业农村厅",
     date(2026, 11, 15)),
    ("KH0012", "quality_certificate", "CQC-2024-Q-8812", "中国质量认证中心",
     date(2027, 9, 1)),
)


def make_qualifications(demo) -> None:
    """Recorded by the service clerk from the customers' certificates (资质备案)."""
    for code, kind, number, issuer, until in QUALIFICATIONS:
        customer = demo.customers[code]
        demo.story.create(CustomerQualification(
            customer=customer, kind=kind, certificate_no=number, issued_by=issuer,
            valid_until=until, department=demo.departments["service"],
            level=customer.level), "clerk.service", "2026-10-20 10:00")


#: Sales year by year (万元 × 10,000) of the customers whose grade was reviewed.
YEAR_SALES = {"KH0017": (2023, (620, 780, 940)), "KH0013": (2023, (310, 260, 240))}


def make_profiles(demo) -> None:
    """Year-by-year sales of the reviewed customers, and one credit incident, recorded
    by the service clerk before the grading reviews."""
    for code, (first, amounts) in YEAR_SALES.items():
        customer = demo.customers[code]
        for offset, amount in enumerate(amounts):
            demo.story.create(CustomerYearSales(
                customer=customer, year=first + offset, sales=Decimal(amount * 10000),
                department=demo.departments["service"], level=customer.level),
                "clerk.service", "2026-11-10 09:00")
    customer = demo.customers["KH0013"]
    demo.story.create(CreditIncident(
        customer=customer, occurred_on=date(2026, 8, 15), kind="late_payment",
        amount=Decimal("86000.00"), description="七月货款逾期45天支付。",
        resolution="已全额收回，信用额度下调20%。", department=demo.departments["service"],
        level=customer.level), "clerk.service", "2026-09-01 10:00")


def make_visits(demo) -> None:
    visits = make_visit_reports(demo)
    make_visit_plans(demo, visits)
    make_urgent_reports(demo, visits)
    make_visit_summaries(demo)
    make_profiles(demo)
    make_grading_reviews(demo)
    make_qualifications(demo)
