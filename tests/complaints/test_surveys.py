"""Satisfaction surveys (客户满意度调查, 001 篇4 第十二、十三条; 004 第11条): questionnaires with
scaled questions, a yearly campaign that makes one answer sheet per customer asked,
scores entered by staff and checked against the scale, the analysis, and the
improvement plan raised from the survey."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import (
    Customer,
    ImprovementPlan,
    SurveyCampaign,
    SurveyQuestion,
    SurveyResponse,
    SurveyScore,
    SurveyTemplate,
    db,
)

from ..test_complaints_support import as_user_fixture, load  # noqa: F401
from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)

QUESTIONS = (("产品质量", "satisfaction", "regulation"),
             ("服务态度", "satisfaction", "service"),
             ("业务人员的服务", "sales_rating", "five"))


def template(app, world, status="in_use") -> int:
    with app.app_context():
        record = SurveyTemplate(name="年度客户满意度调查问卷", status=status, level="internal",
                                department_id=world.departments["service"], questions=[
                                    SurveyQuestion(position=n, text=text, kind=kind,
                                                   scale=scale)
                                    for n, (text, kind, scale) in enumerate(QUESTIONS, 1)])
        db.session.add(record)
        db.session.commit()
        return record.id


def fire(client, table, pk, name, **values) -> str:
    return client.post(f"/admin/{table}/transition/", follow_redirects=True,
                       data={"id": pk, "transition": name, **values}).get_data(as_text=True)


def new_campaign(client, world, template_id, grades=("C",)):
    return client.post("/admin/survey_campaign/new/", follow_redirects=True, data={
        "year": "2026", "title": "年度满意度调查", "template": str(template_id),
        "grades": list(grades), "due_date": "2026-12-20",
        "department": str(world.departments["service"]), "level": "internal"}
                       ).get_data(as_text=True)


def campaign_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(SurveyCampaign.id).order_by(
            SurveyCampaign.id)))


def sheets(app, campaign_id) -> list[SurveyResponse]:
    with app.app_context():
        rows = db.session.scalars(sa.select(SurveyResponse).where(
            SurveyResponse.campaign_id == campaign_id).order_by(SurveyResponse.id)).all()
        for row in rows:
            list(row.scores)
        db.session.expunge_all()
        return rows


def test_a_questionnaire_is_put_in_use_with_its_questions_only(app, world, as_user, clean):
    supervisor = as_user("supervisor")
    empty = template(app, world, status="draft")
    with app.app_context():
        db.session.execute(sa.delete(SurveyQuestion).where(
            SurveyQuestion.template_id == empty))
        db.session.commit()
    page = fire(supervisor, "survey_template", empty, "put_in_use")
    assert "Questions: add at least one question first." in page
    full = template(app, world, status="draft")
    fire(supervisor, "survey_template", full, "put_in_use")
    assert load(app, SurveyTemplate, full).status == "in_use"


def test_a_survey_launches_sheets_and_scores_must_be_on_the_scale(app, world, as_user,
                                                                    clean):
    supervisor, clerk = as_user("supervisor"), as_user("clerk.service")
    draft = template(app, world, status="draft")
    before = campaign_ids(app)
    page = new_campaign(supervisor, world, draft)
    assert "Questionnaire: put the questionnaire in use first" in page
    assert campaign_ids(app) == before
    new_campaign(supervisor, world, template(app, world))
    [campaign_id] = [pk for pk in campaign_ids(app) if pk not in before]
    fire(supervisor, "survey_campaign", campaign_id, "launch")
    assert load(app, SurveyCampaign, campaign_id).status == "running"
    made = sheets(app, campaign_id)
    with app.app_context():  # every grade-C customer the supervisor may see
        expected = set(db.session.scalars(sa.select(Customer.id).where(
            Customer.grade == "C", Customer.level.in_(("public", "internal",
                                                       "confidential")))))
    assert {sheet.customer_id for sheet in made} == expected
    sheet = next(s for s in made if s.level == "internal")
    assert [(s.position, s.question, s.scale) for s in sheet.scores] == [
        (n, text, scale) for n, (text, _kind, scale) in enumerate(QUESTIONS, 1)]
    assert sheet.due_date == date(2026, 12, 20) and sheet.number.startswith("DC")
    # A score the scale does not have: refused naming the field and the line.
    with app.app_context():
        for line, score in zip(db.session.get(SurveyResponse, sheet.id).scores, (95, 30, 4),
                               strict=True):
            line.score = score
        db.session.commit()
    page = fire(clerk, "survey_response", sheet.id, "enter", answered_on="2026-11-25",
                channel="phone")
    assert "Score (line 1): choose one of 100/90/85/80/70/60/50." in page
    assert "Person rated (line 3): name the sales person rated." in page
    assert load(app, SurveyResponse, sheet.id).status == "due"
    with app.app_context():
        lines = db.session.get(SurveyResponse, sheet.id).scores
        lines[0].score, lines[2].rated_person = 90, "李晓燕"
        db.session.commit()
    page = fire(clerk, "survey_response", sheet.id, "enter", answered_on="2099-01-01",
                channel="phone")
    assert "Answered on: cannot be in the future." in page
    fire(clerk, "survey_response", sheet.id, "enter", answered_on="2026-11-25",
         channel="phone")
    done = load(app, SurveyResponse, sheet.id)
    assert (done.status, done.entered_by_id) == ("entered", world.users["clerk.service"])
    # The analysis: averages on a 100 scale (five points: 4 → 80), the lowest first.
    page = supervisor.get(f"/admin/survey_campaign/details/?id={campaign_id}").get_data(
        as_text=True)
    assert 'data-analysis="lowest"' in page and 'data-analysis="grade"' in page
    lowest = page[page.index('data-analysis="lowest"'):]
    assert lowest.index("服务态度") < lowest.index("业务人员的服务") < lowest.index("产品质量")
    assert "<td>30.0</td>" in lowest and "<td>80.0</td>" in lowest


def test_an_improvement_plan_is_raised_from_the_survey_and_listed_on_it(
        app, world, as_user, clean):
    supervisor, gm = as_user("supervisor"), as_user("gm")
    before = campaign_ids(app)
    new_campaign(supervisor, world, template(app, world))
    [campaign_id] = [pk for pk in campaign_ids(app) if pk not in before]
    page = supervisor.get(f"/admin/survey_campaign/details/?id={campaign_id}").get_data(
        as_text=True)
    assert "/admin/improvement_plan/new/" not in page  # not before the survey runs
    fire(supervisor, "survey_campaign", campaign_id, "launch")
    page = supervisor.get(f"/admin/survey_campaign/details/?id={campaign_id}").get_data(
        as_text=True)
    assert f"/admin/improvement_plan/new/?campaign={campaign_id}" in page
    supervisor.post("/admin/improvement_plan/new/", data={
        "campaign": str(campaign_id), "item": "服务态度得分最低", "measure": "客服人员服务规范培训",
        "responsible_department": str(world.departments["service"]),
        "responsible_person": "陈国华", "due_date": "2026-12-31",
        "department": str(world.departments["service"]), "level": "internal"})
    with app.app_context():
        plan = db.session.scalars(sa.select(ImprovementPlan).where(
            ImprovementPlan.campaign_id == campaign_id)).one()
        pk = plan.id
    page = supervisor.get(f"/admin/survey_campaign/details/?id={campaign_id}").get_data(
        as_text=True)
    assert f"/admin/improvement_plan/details/?id={pk}" in page
    fire(supervisor, "improvement_plan", pk, "review")  # the management reviews
    assert load(app, ImprovementPlan, pk).status == "proposed"
    fire(gm, "improvement_plan", pk, "review")
    fire(supervisor, "improvement_plan", pk, "complete", result="已完成两期培训")
    plan = load(app, ImprovementPlan, pk)
    assert (plan.status, plan.reviewed_by_id) == ("done", world.users["gm"])


def test_a_sheet_of_a_hidden_customer_is_hidden_with_it(app, world, clean):
    """The sheet is at its customer's level: a clerk who may not see a confidential
    customer sees neither the sheet nor its scores."""
    secret = next(r for r in world.rows_of("customer") if r.level == "confidential")
    campaign = next(r for r in world.rows_of("survey_campaign") if r.level == "internal"
                    and r.department == "service")
    with app.app_context():
        sheet = SurveyResponse(campaign_id=campaign.id, customer_id=secret.id,
                               department_id=world.departments["service"], level="internal",
                               scores=[SurveyScore(position=1, question="q", score=90)])
        db.session.add(sheet)
        db.session.commit()
        assert sheet.level == "confidential"
        pk = sheet.id
    from ..sessions import sign_in
    client = app.test_client()
    sign_in(app, client, world.users["clerk.service"], locale="en")
    assert client.get(f"/admin/survey_response/details/?id={pk}").status_code == 404
