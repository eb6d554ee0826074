"""The demo's projects and their files (001 篇7 5.8, 5.10.1), told like the rest of the
demo (``demo_story``): registered by the supervisor, transferred by the department,
received into the archive room by the GM office.

Project files belong to no customer and are kept 30 years, 10 years or permanently; a
customer's file about one property of a project is numbered by that property
(``ArchiveFile.property_number_format``).
"""
from __future__ import annotations

from datetime import date, timedelta

from models import ArchiveFile, Project

#: Projects: key, name, address, department, created (Shanghai time), remarks.
PROJECTS = (
    ("P1", "龙岗家具城展厅", "广东省深圳市龙岗区布吉街道吉华路", "sales", "2025-12-15 10:00",
     "展厅商铺出租项目；出租资料按项目归档，出租报表、台帐单独分类编号（篇7 5.6.2）。"),
    ("P2", "顺德碧水湾花园", "广东省佛山市顺德区大良街道南国路", "service", "2026-03-02 10:00",
     "公司承担设备安装及保修期维修的住宅项目。"),
)

#: Files of the projects: dicts of model fields plus project, customer (a customer's
#: file), department, created, transferred_on and location (room, cabinet, shelf).
PROJECT_FILES = (
    {"project": "P1", "category": "project_docs", "department": "sales",
     "title": "龙岗家具城展厅 商铺租赁合同范本及租户须知", "retention": "30y",
     "created": "2026-01-05 10:00", "transferred_on": "2026-01-20",
     "location": ("一号档案室", "D-01", "1")},
    {"project": "P1", "category": "lease", "department": "sales",
     "title": "龙岗家具城展厅 2026年商铺出租报表及台帐", "retention": "10y",
     "created": "2026-07-01 09:00", "transfer_due_on": "2027-01-15"},
    {"project": "P2", "category": "major_event", "department": "service",
     "level": "confidential", "retention": "permanent",
     "title": "2026年8月碧水湾花园暴雨渗漏群体投诉专题档案（一事一档）",
     "created": "2026-09-10 10:00", "transferred_on": "2026-10-20",
     "location": ("一号档案室", "D-02", "1")},
    {"project": "P2", "customer": "KH0019", "property_no": "3栋1单元1501",
     "category": "maintenance", "department": "service", "retention": "permanent",
     "title": "林美玲 碧水湾花园3栋1单元1501 保修期维修记录",
     "created": "2026-06-02 10:00", "transfer_due_on": "2026-12-31"},
)


def make_projects(demo) -> None:
    """Projects registered by the supervisor; their files made by the department's
    clerk (or the supervisor where the level is above the clerk), transferred by them
    and received by the GM office."""
    story = demo.story
    projects = {}
    for key, name, address, department, created, remarks in PROJECTS:
        projects[key] = story.create(Project(
            name=name, address=address, remarks=remarks,
            department=demo.departments[department]), "supervisor", created)
    for spec in sorted(PROJECT_FILES, key=lambda spec: spec["created"]):
        spec = dict(spec)
        project, customer = projects[spec.pop("project")], spec.pop("customer", None)
        department, created = spec.pop("department"), spec.pop("created")
        transferred = spec.pop("transferred_on", None)
        room, cabinet, shelf = spec.pop("location", (None, None, None))
        due = spec.pop("transfer_due_on", None)
        maker = story.cleared(spec.get("level"), demo.clerk(department), "supervisor")
        record = story.create(ArchiveFile(
            project=project, customer=demo.customers.get(customer),
            department=demo.departments[department],
            transfer_due_on=date.fromisoformat(due) if due else None, **spec),
            maker, created)
        if transferred:
            story.step(record, "transfer", maker, f"{transferred} 10:00")
            received = date.fromisoformat(transferred) + timedelta(days=1)
            story.step(record, "receive", "gm", f"{received} 15:00", room=room,
                       cabinet=cabinet, shelf=shelf)
