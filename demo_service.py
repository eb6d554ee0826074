"""Demo data of the daily service work (issue 14 items 2–5): service requests, repair
work orders, follow-up calls, each status shown, made by the demo users through the
declared steps (``demo_story.Story``)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from demo_story import local, shanghai
from models import FollowUpCall, ServiceRequest, WorkOrder, db

#: key, received (Shanghai), customer code, kind, caller, phone, content, handled at, result
REQUESTS = (
    ("R1", "2026-11-02 09:20", "KH0006", "inquiry", "陈志强", "13912345678",
     "咨询产品保修期及保修范围。", "2026-11-02 10:05", "已电话答复：整机保修一年，易损件除外。"),
    ("R2", "2026-11-09 14:40", "KH0004", "repair", "店长周敏", "0755-83216688",
     "冷柜压缩机不启动，货品需转移。", "2026-11-09 15:30", "已派维修工单，维修人员当日到场。"),
    ("R3", "2026-11-16 10:10", "KH0002", "repair", "采购部刘洋", "0755-26651234",
     "包装封口机加热不良。", "2026-11-16 11:00", "已派维修工单。"),
    ("R4", "2026-11-23 08:50", "KH0005", "repair", "仓库主管吴刚", "0755-28881234",
     "叉车液压系统漏油。", None, None),
    ("R5", "2026-11-27 21:15", "KH0006", "alarm", "陈志强", "13912345678",
     "家中设备冒烟报警，已断电。", None, None),
)
#: request key, issued, technician, fault, arrived, finished, work done, parts, signed, cost
WORK_ORDERS = (
    ("R2", "2026-11-09 15:30", "李建国", "压缩机启动电容损坏", "2026-11-09 16:40",
     "2026-11-09 18:10", "更换启动电容，试机正常。", "启动电容 1 只", "周敏", "260.00"),
    ("R3", "2026-11-16 11:00", "张伟", "封口机加热管老化", "2026-11-17 09:00",
     "2026-11-17 11:20", "更换加热管并校准温控。", "加热管 2 支", "刘洋", None),
    ("R4", "2026-11-23 09:30", "李建国", "液压油管接头渗漏", "2026-11-23 13:50",
     None, None, None, None, None),
    ("R4b", "2026-11-24 09:00", "张伟", "复查液压系统", None, None, None, None, None, None),
)


def make_service_work(demo) -> None:
    """Requests (received, handled; one of each kind), work orders in each status, and
    the follow-up calls that fell due after closed complaints and finished repairs,
    some made (satisfied / not satisfied), the others due."""
    story, requests = demo.story, {}
    service = demo.departments["service"]
    for key, received, customer, kind, caller, phone, content, handled, result in REQUESTS:
        request = story.create(ServiceRequest(
            received_at=local(received), customer=demo.customers[customer], kind=kind,
            caller=caller, caller_phone=phone, content=content, department=service),
            "clerk.service", received)
        requests[key] = request
        if handled:
            story.step(request, "handle", "clerk.service", handled, handling_result=result)
    for (key, issued, technician, fault, arrived, finished, done, parts, signed,
         cost) in WORK_ORDERS:
        request = requests[key[:2]]
        order = story.create(WorkOrder(
            service_request=request, customer=request.customer, issued_at=local(issued),
            technician=technician, fault=fault, department=service,
            issued_by_id=demo.users["clerk.service"].id), "clerk.service", issued)
        if arrived:
            story.step(order, "arrive", "clerk.service", arrived, arrived_at=local(arrived))
        if finished:
            story.step(order, "finish", "clerk.service", finished,
                       finished_at=local(finished), work_done=done, parts=parts,
                       customer_signed_by=signed)
        if cost:
            story.step(order, "settle", "supervisor", later(finished, days=1),
                       cost=Decimal(cost))
    db.session.flush()  # closing and finishing made their calls due at the flush
    calls = follow_up_calls(demo)
    results = (("satisfied", "客户对处理结果满意。"),
               ("not_satisfied", "客户认为赔偿金额偏低，要求重新处理。"),
               ("satisfied", "维修及时，客户满意。"))
    for call, (result, remarks) in zip(calls, results, strict=False):
        ended = call.complaint.closed_at if call.complaint else call.work_order.finished_at
        when = later(shanghai(ended), days=2)
        who = story.cleared(call.level, "clerk.service", "supervisor")
        story.edit(call, who, when, contact="客户联系人", remarks=remarks)
        story.step(call, "record_result", who, when, result=result)


def follow_up_calls(demo) -> list[FollowUpCall]:
    """The calls due after the demo's closed complaints and finished repairs, oldest
    case first; a case whose call was not made at a flush (closed before its first
    flush) gets it here, as the hook would have made it."""
    closed = [c for c in demo.complaints.values() if c.status == "closed" and not any(
        n.reopened_from is c for n in demo.complaints.values())]
    finished = db.session.scalars(sa.select(WorkOrder).where(
        WorkOrder.status.in_(("finished", "settled")))).all()
    calls = []
    for case in [*sorted(closed, key=lambda c: c.closed_at),
                 *sorted(finished, key=lambda o: o.finished_at)]:
        column = FollowUpCall.work_order_id if isinstance(case, WorkOrder) \
            else FollowUpCall.complaint_id
        call = db.session.scalar(sa.select(FollowUpCall).where(column == case.id))
        if call is None:
            key = "work_order" if isinstance(case, WorkOrder) else "complaint"
            ended = case.finished_at if key == "work_order" else case.closed_at
            call = demo.story.create(FollowUpCall(
                customer=case.customer, department=case.department, level=case.level,
                **{key: case}), demo.story.cleared(case.level, "clerk.service", "supervisor"),
                shanghai(ended + timedelta(minutes=5)))
        calls.append(call)
    return calls


def later(when: str, **delta) -> str:
    return shanghai(local(when) + timedelta(**delta))


def make_corrective_actions(demo) -> None:
    """The complaints' corrective actions (改善措施表), raised from each complaint once its
    handling was proposed, carried out by the responsible department, verified and
    closed by the GM office for the oldest ones; one from an 异常处理单 and one raised on
    its own."""
    from demo import COMPLAINTS
    from models import CorrectiveAction

    story = demo.story
    stages = ("closed", "verified", "implemented")
    made = 0
    for spec in sorted(COMPLAINTS, key=lambda spec: spec["received"]):
        complaint = demo.complaints.get(spec["key"])
        resolution = spec.get("resolution")
        if complaint is None or not resolution or complaint.status in (
                "registered", "investigating", "responsibility_determined"):
            continue
        cause, responsible, person, *_rest = resolution
        corrective = resolution[5]
        raised = later(spec.get("approved") or spec["received"], hours=1)
        who = story.cleared(complaint.level, "supervisor")
        action = story.create(CorrectiveAction(
            complaint=complaint, cause_analysis=cause, action=corrective,
            responsible_department=demo.departments[responsible], responsible_person=person,
            due_date=local(raised).date() + timedelta(days=20), tracked=True,
            department=complaint.department, level=complaint.level), who, raised)
        stage = stages[made] if made < len(stages) else "open"
        made += 1
        if stage == "open":
            continue
        story.step(action, "implement", who, later(raised, days=10),
                   implementation=f"已落实：{corrective}")
        if stage == "implemented":
            continue
        story.step(action, "verify", "supervisor" if who == "supervisor" else "gm",
                   later(raised, days=25), verification_effect="连续一个月同类问题未再发生。")
        if stage == "closed":
            story.step(action, "close", "gm", later(raised, days=26))
    service = demo.departments["service"]
    story.create(CorrectiveAction(
        exception_no="YC2611-003",
        problem="送货车辆未按约定时段到达，客户仓库临时加班收货（未造成损失）。",
        cause_analysis="物流承运商排班变更未通知客服部。",
        action="承运商排班变更须提前一日书面通知客服部。",
        responsible_department=demo.departments["sales"], responsible_person="销售部跟单员 吴浩",
        due_date=local("2026-11-30 09:00").date(), tracked=True, department=service),
        "supervisor", "2026-11-12 15:00")
    story.create(CorrectiveAction(
        problem="客服热线高峰时段接通率偏低。", action="高峰时段增设一名接线员。",
        responsible_department=service, responsible_person="客服部主管 陈国华",
        due_date=local("2026-12-31 09:00").date(), tracked=False, department=service),
        "supervisor", "2026-11-20 10:00")


STEPS = (make_service_work, make_corrective_actions)


def make_surveys(demo) -> None:
    """The questionnaire (in use) and a draft of next year's; the 2025 survey, closed,
    with its answers and three improvement plans (proposed, reviewed, done); the 2026
    survey running, some sheets entered, the rest due; a 2027 one being prepared."""
    from models import (
        ImprovementPlan,
        SurveyCampaign,
        SurveyQuestion,
        SurveyResponse,
        SurveyTemplate,
    )

    story, service = demo.story, demo.departments["service"]
    questions = (("产品质量", "satisfaction", "regulation"),
                 ("服务态度", "satisfaction", "service"),
                 ("产品知名度", "satisfaction", "regulation"),
                 ("交货及时性", "satisfaction", "five"),
                 ("对业务人员的评价", "sales_rating", "five"))
    template = story.create(SurveyTemplate(
        name="客户满意度调查问卷（年度）", department=service, questions=[
            SurveyQuestion(position=n, text=text, kind=kind, scale=scale)
            for n, (text, kind, scale) in enumerate(questions, 1)]),
        "supervisor", "2025-10-20 10:00")
    story.step(template, "put_in_use", "supervisor", "2025-10-21 09:00")
    story.create(SurveyTemplate(name="客户满意度调查问卷（2027 修订稿）", department=service,
                                remarks="拟增加售后响应速度一题。", questions=[
                                    SurveyQuestion(position=1, text="售后响应速度",
                                                   scale="five")]),
                 "supervisor", "2026-11-26 14:00")
    scores = ((90, 80, 85, 4, 4), (85, 70, 80, 3, 4), (100, 90, 90, 5, 5), (80, 60, 85, 4, 3))
    for year, title, launched, due, grades, entered, closed in (
            (2025, "2025年度客户满意度调查", "2025-11-03 09:00", date(2025, 12, 15), "A B",
             4, "2025-12-20 16:00"),
            (2026, "2026年度客户满意度调查", "2026-11-02 09:00", date(2026, 12, 15), "A B",
             3, None)):
        campaign = story.create(SurveyCampaign(
            year=year, title=title, template=template, grades=grades, due_date=due,
            department=service), "supervisor", later(launched, days=-3))
        story.step(campaign, "launch", "supervisor", launched)
        db.session.flush()
        sheets = [s for s in db.session.scalars(sa.select(SurveyResponse).where(
            SurveyResponse.campaign_id == campaign.id).order_by(SurveyResponse.id))
            if s.level in ("public", "internal")][:entered]
        for number, (sheet, row) in enumerate(zip(sheets, scores, strict=False)):
            when = later(launched, days=7 + number)
            lines = [{"score": value} for value in row]
            lines[-1]["rated_person"] = "李晓燕"
            story.step(sheet, "enter", "clerk.service", when, lines=lines,
                       answered_on=local(when).date(),
                       channel=("phone", "paper", "interview", "email")[number],
                       respondent=sheet.customer.contact_person, product="电源适配器",
                       opinion="希望售后响应再快一些。" if row[1] < 80 else None)
        if closed:
            story.step(campaign, "close", "supervisor", closed)
            for (item, measure, person, status) in (
                    ("服务态度", "客服人员服务规范培训，每季度考核一次。", "客服部主管 陈国华",
                     "done"),
                    ("交货及时性", "物流排期纳入每日晨会跟踪。", "销售部跟单员 吴浩", "reviewed"),
                    ("产品知名度", "在重点区域增加技术讲座。", "销售部 李晓燕", "proposed")):
                plan = story.create(ImprovementPlan(
                    campaign=campaign, item=item, measure=measure, responsible_person=person,
                    responsible_department=service, due_date=date(2026, 3, 31),
                    department=service), "supervisor", later(closed, days=2))
                if status != "proposed":
                    story.step(plan, "review", "gm", later(closed, days=5))
                if status == "done":
                    story.step(plan, "complete", "supervisor", "2026-03-20 10:00",
                               result="已完成两期培训，考核合格率100%。")
    story.create(SurveyCampaign(year=2027, title="2027年度客户满意度调查", template=template,
                                grades="A B C", due_date=date(2027, 12, 15),
                                department=service), "supervisor", "2026-11-27 10:00")


STEPS = (*STEPS, make_surveys)
