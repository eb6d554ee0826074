"""Page weight (issue 17 target 4): the complaint list's HTML for 20 rows in at most
30,000 bytes, for the GM office and for a department clerk, plain, filtered, searched
and sorted. A size, not a time: what the page carries per row is what grows it.

The rows are as long as an office's: a Shenzhen company's full name as the customer,
open complaints past their deadline (each with its "overdue" badge), an 经办人, and
the clerk's department's records the clerk sees (the same 20 rows for both users).
``bench/list_html.py`` measures the same page part by part on a benchmark data set.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from models import Complaint, Customer

from ..world import extra_rows

LIMIT = 30_000
CUSTOMERS = ("深圳市华强北新世纪电子科技有限公司", "东莞市长安镇恒通精密五金制品有限公司",
             "广州市番禺区南村镇美好家电维修服务部", "佛山市顺德区北滘镇美的生活电器制造有限公司",
             "惠州市仲恺高新区TCL王牌电器销售有限公司", "深圳市南山区科技园腾达智能家居有限公司")
#: (status, severity) of the complaints: mostly open and late, as a busy month's are.
STATES = (("registered", "general"), ("investigating", "major"),
          ("responsibility_determined", "general"), ("handling_proposed", "major"),
          ("closed", "general"))
SEARCH = "不制冷"


@pytest.fixture(scope="module")
def office_rows(app):
    """30 complaints of the sales department (level internal: the sales clerk sees
    them) from six customers with long names, newest first on the list, received 20
    to 5 days ago: the 24 open ones are past their deadline."""
    world = app.extensions["test_world"]
    sales = world.departments["sales"]
    customers = [{"name": name, "level": "internal", "department_id": sales,
                  "contact_person": "陈经理", "phone": "0755-83251234"}
                 for name in CUSTOMERS]
    with extra_rows(app, Customer, customers) as customer_ids:
        start = datetime.now().replace(microsecond=0) - timedelta(days=20)
        complaints = []
        for i in range(30):
            status, severity = STATES[i % len(STATES)]
            complaints.append({
                "customer_id": customer_ids[i % len(customer_ids)], "department_id": sales,
                "responsible_department_id": world.departments["service"],
                "received_at": start + timedelta(hours=12 * i), "level": "internal",
                "status": status, "severity": severity, "channel": "phone",
                "owner_id": world.users["clerk.sales"],
                "complainant": "王先生", "product": "KFR-35GW/BP3DN8Y 变频空调",
                "content": f"客户反映空调安装后{SEARCH}，室外机噪音大，"
                           f"要求上门检修（第{i + 1}台）"})
        with extra_rows(app, Complaint, complaints) as complaint_ids:
            yield complaint_ids


def rows_of(html: str) -> int:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return len(re.findall(r"<tr[ >]", body))


@pytest.mark.parametrize("username", ["gm", "clerk.sales"])
@pytest.mark.parametrize("query", ["", "?late=1", f"?search={SEARCH}", "?sort=2&desc=1"])
def test_the_complaint_list_weighs_at_most_30_kb(client, login_as, office_rows,
                                                 username, query):
    """Plain, filtered (overdue only: every row with its badge), searched and sorted
    by customer: a full page of 20 rows, at most 30,000 bytes."""
    login_as(username)
    response = client.get(f"/admin/complaint/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert rows_of(html) == 20
    assert "有限公司" in html
    if query == "?late=1":
        assert html.count('data-late="1"') == 20
    assert len(response.get_data()) <= LIMIT, (username, query, len(response.get_data()))


def test_rows_carry_no_markup_the_page_says_once(client, login_as, office_rows):
    """What repeats per row stays out of the rows: no whitespace between tags, the
    links' icon is the link (no inner span), the way back to this page is said once on
    the table (the rows name the list's first page), the check box has no name or
    class of its own; the accessible names stay (the link's title, the box's label)."""
    login_as("gm")
    html = client.get(f"/admin/complaint/?search={SEARCH}").get_data(as_text=True)
    assert 'data-return-url="/admin/complaint/?search=%E4%B8%8D%E5%88%B6%E5%86%B7"' in html
    row = html[html.index("<tbody>") + len("<tbody>"):].split("</tr>", 1)[0]
    assert "  " not in row and "\n<" not in row.strip()
    assert '<input type="checkbox" value="' in row and 'aria-label="选择此记录"' in row
    assert re.search(r'<a class="fa fa-eye" href="/admin/complaint/details/\?id=\d+'
                     r'&amp;url=/admin/complaint/" title="查看记录"></a>', row), row
    assert 'title="编辑记录"' in row and "<span" not in row.split("</td>", 2)[1]


def test_the_filter_menu_comes_with_the_filter_groups(client, login_as):
    """The "Add filter" items are made by the cached filters.js, one per group."""
    login_as("gm")
    page = client.get("/admin/complaint/").get_data(as_text=True)
    assert '<div class="dropdown-menu field-filters"></div>' in page
    src = re.search(r'src="(/admin/complaint/filters\.js\?v=[^"]+)"', page).group(1)
    script = client.get(src.replace("&amp;", "&")).get_data(as_text=True)
    assert "item.className = 'dropdown-item filter'" in script
    assert re.search(r"document\.querySelector\('\.field-filters'\), \[\"状态\", ", script)
