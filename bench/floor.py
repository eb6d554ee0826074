"""The floor of issue 17: the complaint pages with nothing but Flask, Jinja and raw SQL.

What a bare, hand-tuned Flask app pays for the same pages the product serves: the
same login (the signed session cookie, the account row read and its session version
checked), the same visibility WHERE (``permissions.visible`` compiled once per user
into SQL text), the same columns with the same labels (resolved once, at start-up, in
the product's default language), one raw SQL statement for the rows and one Jinja
template compiled once. No ORM objects, no Flask-Admin, no Babel per request.

- list: one statement (rows joined with their customer; the customer's own
  visibility in the join, as the product hides a customer the user may not see);
  deep pages read their ids from the index first, like the product; SQLite searches
  with the FTS table for rare terms and by walking the list for common ones (which
  kind a term is was looked up once and kept).
- details: one statement for the record and its references, one for its history.
- CSV: one statement, the ``csv`` module, code labels from a dictionary, chunks.

The harness (``bench/run_floor.py``) builds it from the product's app (for the column
lists and labels only) and times both side by side.
"""
from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, Response, abort, request, session

LOCAL_TZ, UTC = ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")
PAGE_SIZE = 20

LIST_TEMPLATE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ title }}</title><link rel="stylesheet" href="/static/bootstrap.min.css"></head>
<body><nav class="navbar"><a href="/admin/">{{ site }}</a><ul>
{% for label, url in menu %}<li><a href="{{ url }}">{{ label }}</a></li>{% endfor %}
</ul><span>{{ user }}</span></nav>
<div class="container-fluid"><h1>{{ title }}</h1>
<form method="get"><input name="search" value="{{ search }}"><button>搜索</button></form>
<table class="table table-sm"><thead><tr><th></th>
{% for label in headers %}<th>{{ label }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>
<td><a href="/admin/complaint/details/?id={{ row[0] }}&amp;url=/admin/complaint/">查看</a></td>
{% for cell in row[1:] %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
<a href="?page={{ page + 1 }}">&gt;</a></div></body></html>"""

DETAILS_TEMPLATE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ title }}</title><link rel="stylesheet" href="/static/bootstrap.min.css"></head>
<body><nav class="navbar"><a href="/admin/">{{ site }}</a><ul>
{% for label, url in menu %}<li><a href="{{ url }}">{{ label }}</a></li>{% endfor %}
</ul><span>{{ user }}</span></nav>
<div class="container-fluid"><h1>{{ title }}</h1><table class="table table-sm">
{% for label, value in fields %}<tr><th>{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}</table><h2>历史</h2><ul>
{% for at, who, action in history %}<li>{{ at }} {{ who }} {{ action }}</li>{% endfor %}
</ul></div></body></html>"""


def local(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # SQLite's text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def day(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()


class Metadata:
    """What the floor renders, read once from the product's complaint view."""

    def __init__(self, app):
        from flask_babel import force_locale

        from models import Complaint

        view = next(v for v in app.extensions["admin"][0]._views
                    if getattr(v, "endpoint", "") == "complaint")
        with app.test_request_context(), force_locale("zh_Hans_CN"):
            self.list_labels = [str(label) for _name, label in view._list_columns]
            self.export_columns = [(name, str(label)) for name, label in view._export_columns]
            self.details_columns = [(name, str(view.column_labels.get(name, name)))
                                    for name in view.column_details_list]
            self.choices = {column.key: {code: str(text) for code, text
                                         in column.info["choices"].items()}
                            for column in Complaint.__table__.columns
                            if "choices" in column.info}
            self.site = str(app.extensions["admin"][0].name)
            # The navigation bar: every screen's link (the product shows those the
            # user may list; the floor shows them all, which costs it no less).
            self.menu = [(str(v.name), v.url + "/") for v in app.extensions["admin"][0]._views]
            self.title = str(Complaint.Admin.label_plural)
            self.yes, self.no = "是", "否"


# -- the SQL ------------------------------------------------------------------------------

#: Relation columns: what the floor joins and which text it shows for them.
RELATIONS = {
    "customer": ("LEFT JOIN customer ON customer.id = complaint.customer_id AND ({cust})",
                 "customer.code || ' ' || customer.name"),
    "department": ("LEFT JOIN department d1 ON d1.id = complaint.department_id", "d1.name"),
    "responsible_department": (
        "LEFT JOIN department d2 ON d2.id = complaint.responsible_department_id", "d2.name"),
    "reopened_from": ("LEFT JOIN complaint rf ON rf.id = complaint.reopened_from_id "
                      "AND ({vis_rf})", "rf.number"),
    "reopened_as": ("LEFT JOIN complaint ra ON ra.reopened_from_id = complaint.id "
                    "AND ({vis_ra})", "ra.number"),
    "visit_report": ("LEFT JOIN visit_report ON visit_report.id = complaint.visit_report_id "
                     "AND ({visit})", "visit_report.visited_at"),
    "owner": ("LEFT JOIN app_user ow ON ow.id = complaint.owner_id", "ow.full_name"),
}
#: The list's order, total as the product's (``models.indexes.tie_break``): the
#: order its list index keeps, so the page is one index range read.
ORDER = "complaint.received_at DESC, complaint.level DESC, complaint.id DESC"
#: Columns shown through another one.
SYNONYMS = {"deadline": "effective_due_date"}


class Floor:
    def __init__(self, app, url: str):
        self.meta = Metadata(app)
        self.app = app
        self.engine = sa.create_engine(url)
        self.dialect = self.engine.dialect.name
        self.visibility: dict[tuple, dict[str, str]] = {}
        self.common_terms: dict[str, bool] = {}
        self.floor = Flask("floor")
        self.floor.secret_key = "bench"
        self.list_template = self.floor.jinja_env.from_string(LIST_TEMPLATE)
        self.details_template = self.floor.jinja_env.from_string(DETAILS_TEMPLATE)
        self.floor.add_url_rule("/floor/complaint/", "list", self.list_page)
        self.floor.add_url_rule("/floor/complaint/details/", "details", self.details_page)
        self.floor.add_url_rule("/floor/complaint/export.csv", "csv", self.csv_export)

    # -- login and rules --------------------------------------------------------------
    def user(self, conn):
        """The session's account, checked like ``auth.load_user`` (version, active)."""
        user_id = session.get("_user_id")
        if user_id is None:
            abort(401)
        row = conn.exec_driver_sql(
            "SELECT id, department_id, clearance, roles, active, session_version, full_name "
            "FROM app_user WHERE id = " + ("?" if self.dialect == "sqlite" else "%s"),
            (int(user_id),)).first()
        if row is None or not row.active or row.session_version != session.get(
                "_session_version"):
            abort(401)
        return row

    def rules(self, user) -> dict[str, str]:
        """The product's visibility conditions as SQL text, compiled once per account."""
        key = (user.id, user.department_id, user.clearance, user.roles)
        if key not in self.visibility:
            from models import Complaint, Customer, VisitReport
            from permissions import visible
            from permissions.scoping import Principal

            principal = Principal(user.id, user.department_id, user.clearance,
                                  frozenset(user.roles.split()), True, True)

            def text(clause, alias=None):
                sql = str(clause.compile(dialect=self.engine.dialect,
                                         compile_kwargs={"literal_binds": True}))
                return sql.replace("complaint.", f"{alias}.") if alias else sql
            # In the product's app context: the grants in force are its settings'
            # (outside it the floor answered its list pages with a 500, issue 17).
            with self.app.app_context():
                self.visibility[key] = {
                    "vis": text(visible(principal, Complaint)),
                    "cust": text(visible(principal, Customer)),
                    "vis_rf": text(visible(principal, Complaint), "rf"),
                    "vis_ra": text(visible(principal, Complaint), "ra"),
                    "visit": text(visible(principal, VisitReport))}
        return self.visibility[key]

    def search_clause(self, conn, term: str) -> str:
        escaped = term.replace("'", "''")
        if self.dialect == "sqlite" and len(term) >= 3:
            if term not in self.common_terms:
                self.common_terms[term] = conn.exec_driver_sql(
                    "SELECT count(*) FROM (SELECT rowid FROM complaint_fts WHERE "
                    f"complaint_fts MATCH '\"{escaped}\"' LIMIT 20000)").scalar() >= 20000
            if not self.common_terms[term]:
                return ("complaint.id IN (SELECT rowid FROM complaint_fts WHERE "
                        f"complaint_fts MATCH '\"{escaped}\"')")
        document = ("(coalesce(complaint.number, '') || ' ' || coalesce(complaint.content, '')"
                    " || ' ' || coalesce(complaint.product, '') || ' ' || "
                    "coalesce(complaint.batch_no, ''))")
        if self.dialect == "postgresql":  # psycopg reads % as a placeholder's start
            return f"{document} ILIKE '%%{escaped}%%'"
        return f"{document} LIKE '%{escaped}%'"

    # -- pages ------------------------------------------------------------------------
    def list_page(self):
        with self.engine.connect() as conn:
            user = self.user(conn)
            rules = self.rules(user)
            where = [rules["vis"]]
            for column in ("status", "severity"):
                if request.args.get(column):
                    where.append(f"complaint.{column} = '{request.args[column]}'")
            if request.args.get("search"):
                where.append(self.search_clause(conn, request.args["search"]))
            page = int(request.args.get("page", 0))
            customer_join = RELATIONS["customer"][0].format(**rules)
            columns = ("complaint.id, complaint.number, complaint.received_at, "
                       "customer.code || ' ' || customer.name, complaint.channel, "
                       "complaint.kind, complaint.severity, complaint.status, "
                       "complaint.effective_due_date, complaint.level")
            if request.args.get("sort") == "customer":
                # CROSS JOIN: SQLite then reads customers in code order first.
                sql = (f"SELECT {columns} FROM customer CROSS JOIN complaint "
                       f"WHERE complaint.customer_id = customer.id AND ({rules['cust']}) "
                       f"AND {' AND '.join(where)} ORDER BY customer.code, complaint.id "
                       f"LIMIT {PAGE_SIZE} OFFSET {page * PAGE_SIZE}")
            else:
                order = ORDER
                condition = " AND ".join(where)
                if page * PAGE_SIZE >= 1000:  # ids from the index first, as the product
                    condition = (f"complaint.id IN (SELECT complaint.id FROM complaint WHERE "
                                 f"{condition} ORDER BY {order} LIMIT {PAGE_SIZE} "
                                 f"OFFSET {page * PAGE_SIZE})")
                    offset = 0
                else:
                    offset = page * PAGE_SIZE
                sql = (f"SELECT {columns} FROM complaint {customer_join} WHERE {condition} "
                       f"ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {offset}")
            rows = conn.exec_driver_sql(sql).all()
        choices, today = self.meta.choices, date.today().isoformat()
        shown = []
        for row in rows:
            due = day(row[8])
            status = choices["status"].get(row[7], row[7])
            if row[7] != "closed" and due and due < today:
                status += " 逾期"
            shown.append((row[0], row[1], local(row[2]), row[3] or "",
                          choices["channel"].get(row[4], row[4]),
                          choices["kind"].get(row[5], row[5]),
                          choices["severity"].get(row[6], row[6]), status, due,
                          choices["level"].get(row[9], row[9])))
        return self.list_template.render(title=self.meta.title, site=self.meta.site,
                                         menu=self.meta.menu,
                                         user=user.full_name, headers=self.meta.list_labels,
                                         rows=shown, page=page,
                                         search=request.args.get("search", ""))

    def _select(self, rules, names) -> tuple[str, str]:
        """(columns, joins) of a statement reading ``names`` with their references."""
        columns, joins = [], []
        for name in names:
            if name in RELATIONS:
                join, shown = RELATIONS[name]
                joins.append(join.format(**rules))
                columns.append(shown)
            else:
                columns.append(f"complaint.{SYNONYMS.get(name, name)}")
        return ", ".join(columns), " ".join(joins)

    def _text(self, name: str, value) -> str:
        if value is None:
            return ""
        if name in self.meta.choices:
            return self.meta.choices[name].get(value, value)
        if name.endswith("_at"):
            return local(value)
        if isinstance(value, bool):
            return self.meta.yes if value else self.meta.no
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def details_page(self):
        names = [n for n, _label in self.meta.details_columns
                 if n not in ("attachments", "step_deadlines_shown")]
        labels = dict(self.meta.details_columns)
        pk = int(request.args["id"])
        with self.engine.connect() as conn:
            user = self.user(conn)
            rules = self.rules(user)
            columns, joins = self._select(rules, names)
            row = conn.exec_driver_sql(
                f"SELECT {columns} FROM complaint {joins} "
                f"WHERE complaint.id = {pk} AND {rules['vis']}").first()
            if row is None:
                abort(404)
            history = conn.exec_driver_sql(
                "SELECT at, username, action FROM audit_event WHERE model = 'complaint' "
                f"AND record_id = '{pk}' ORDER BY id").all()
        fields = [(labels[n], self._text(n, v)) for n, v in zip(names, row, strict=True)]
        return self.details_template.render(
            title=self.meta.title, site=self.meta.site, menu=self.meta.menu,
            user=user.full_name, fields=fields,
            history=[(local(h[0]), h[1], h[2]) for h in history])

    def csv_export(self):
        names = [n for n, _label in self.meta.export_columns]
        with self.engine.connect() as conn:
            user = self.user(conn)
            rules = self.rules(user)
        columns, joins = self._select(rules, names)
        where = rules["vis"]
        if request.args.get("severity"):
            where += f" AND complaint.severity = '{request.args['severity']}'"
        sql = (f"SELECT {columns} FROM complaint {joins} WHERE {where} "
               f"ORDER BY {ORDER}")
        texts = [self._converter(n) for n in names]

        def generate():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow([label for _n, label in self.meta.export_columns])
            yield codecs.BOM_UTF8 + buffer.getvalue().encode()
            with self.engine.connect() as conn:
                result = conn.execution_options(stream_results=True,
                                                max_row_buffer=1000).exec_driver_sql(sql)
                while chunk := result.fetchmany(1000):
                    buffer.seek(0)
                    buffer.truncate()
                    writer.writerows([convert(v) for convert, v in zip(texts, row, strict=True)]
                                     for row in chunk)
                    yield buffer.getvalue().encode()
        return Response(generate(), mimetype="text/csv")

    def _converter(self, name: str):
        if name in self.meta.choices:
            labels = self.meta.choices[name]
            return lambda v: "" if v is None else labels.get(v, v)
        if name.endswith("_at"):
            return local
        return lambda v: "" if v is None else self._text(name, v)
