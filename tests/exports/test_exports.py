"""Exports that open right in Chinese Excel and WPS (issue 15 item 4, issue 17 item 2).

CSV: UTF-8 with a byte order mark, the header in the user's language, formulas
neutralised. XLSX: typed cells (dates and times in Shanghai time, amounts with two
decimals), a sheet named after the list, a frozen bold header, widths that fit. Both:
the file is named after the list and the local date, with an RFC 5987 ``filename*``.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest

from admin_views.export import content_disposition
from models import Complaint
from models.numbering import local_date_of

from ..world import extra_rows

MARK = "EXPORT-TYPED-1"


@pytest.fixture
def typed_complaint(app, world):
    """A GM-visible complaint with an amount, a quantity and a formula-like text."""
    customer = world.rows_of("customer")[0].id
    row = {"customer_id": customer, "department_id": world.departments["sales"],
           "received_at": datetime(2026, 11, 2, 17, 30), "level": "internal",
           "content": f"{MARK} 压缩机不制冷", "complainant": "=HYPERLINK(\"http://x\")",
           "loss_amount": Decimal("1234.5"), "quantity_affected": Decimal("3"),
           "due_date": date(2026, 11, 5), "effective_due_date": date(2026, 11, 5)}
    with extra_rows(app, Complaint, [row]) as ids:
        yield ids[0]


def _today() -> str:
    return local_date_of(None).isoformat()


def test_csv_starts_with_the_bom_and_names_the_list(client, login_as, typed_complaint):
    login_as("gm")
    response = client.get(f"/admin/complaint/export/csv/?search={MARK}")
    assert response.status_code == 200
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, values = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[0] == "投诉编号" and "受理时间" in header
    assert values["受理时间"] == "2026-11-03 01:30"  # 17:30 UTC is 01:30 next day in Shanghai
    assert values["投诉人"].startswith("'=")  # neutralised
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('客户投诉-' + _today() + '.csv')}" in disposition
    assert f'filename="complaint-{_today()}.csv"' in disposition


def test_xlsx_cells_are_typed(client, login_as, typed_complaint):
    login_as("gm")
    response = client.get(f"/admin/complaint/export/xlsx/?search={MARK}")
    assert response.status_code == 200
    assert f"filename*=UTF-8''{quote('客户投诉-' + _today() + '.xlsx')}" in \
        response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    assert sheet.title == "客户投诉"
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "投诉编号" and all(cell.font.b for cell in sheet[1])
    cells = {label: cell for label, cell in zip(header, sheet[2], strict=True)}
    received = cells["受理时间"]
    assert received.is_date and received.value == datetime(2026, 11, 3, 1, 30)
    assert received.number_format == "yyyy-mm-dd hh:mm"
    due = cells["处理期限"]  # the due date that counts, without a flag: a date cell
    assert due.is_date and due.value == datetime(2026, 11, 5)
    assert due.number_format == "yyyy-mm-dd"
    amount = cells["损失金额（元）"]
    assert amount.data_type == "n" and amount.value == pytest.approx(1234.5)
    assert amount.number_format == "#,##0.00"
    assert cells["涉及数量"].data_type == "n"
    assert cells["投诉人"].value.startswith("'=")
    assert cells["严重程度"].value == "一般"  # the code's label
    # Widths fit the text: the customer column is wider than the severity column.
    letter = {label: cell.column_letter for label, cell in cells.items()}
    assert sheet.column_dimensions[letter["客户"]].width > \
        sheet.column_dimensions[letter["严重程度"]].width


def test_headers_follow_the_users_language(client, login_as, typed_complaint):
    login_as("gm")
    client.post("/lang/en")
    response = client.get(f"/admin/complaint/export/xlsx/?search={MARK}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "Complaints"
    assert sheet["A1"].value == "Complaint number"
    text = client.get(f"/admin/complaint/export/csv/?search={MARK}").get_data()
    assert text.decode("utf-8-sig").startswith("Complaint number,")
    client.post("/lang/zh_CN")


def test_file_names_keep_only_safe_characters(app):
    """A character a file or sheet name cannot hold becomes a dash."""
    class View:
        name, endpoint = "客户/投诉", "complaint"
    with app.test_request_context():
        disposition = content_disposition(View, "csv")
    assert f"filename*=UTF-8''{quote('客户-投诉-' + _today() + '.csv')}" in disposition
    assert f'filename="complaint-{_today()}.csv"' in disposition


def test_a_text_cannot_write_cells_of_its_own_into_the_xlsx(app, client, login_as, world):
    """A complainant's name shaped like rich-text XML came out unescaped (XlsxWriter's
    constant-memory mode) and put a forged cell into the GM's spreadsheet."""
    mark = "EXPORT-FORGED-1"
    forged = '<r><t>张</t></r></is></c><c r="A9"><v>9</v></c><c><is><r></r>'
    row = {"customer_id": world.rows_of("customer")[0].id,
           "department_id": world.departments["sales"], "level": "internal",
           "received_at": datetime(2026, 11, 2, 9, 0), "content": f"{mark} 外观划伤",
           "complainant": forged}
    with extra_rows(app, Complaint, [row]):
        login_as("gm")
        response = client.get(f"/admin/complaint/export/xlsx/?search={mark}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.max_row == 2
    assert dict(zip(header, (cell.value for cell in sheet[2]), strict=True))["投诉人"] == forged


def test_rows_past_a_sheets_last_go_on_to_the_next_sheet(client, login_as, monkeypatch):
    """Excel's sheet holds 1,048,576 rows: the rows past it went nowhere, and the file
    did not say so. Here a sheet holds two rows; every row is in the workbook, in the
    list's order, under the same header on every sheet."""
    from admin_views import export

    login_as("gm")
    csv_rows = list(csv.reader(io.StringIO(
        client.get("/admin/complaint/export/csv/").get_data().decode("utf-8-sig"))))
    rows = len(csv_rows) - 1
    assert rows >= 5
    monkeypatch.setattr(export, "SHEET_ROWS", 2)
    workbook = openpyxl.load_workbook(io.BytesIO(
        client.get("/admin/complaint/export/xlsx/").get_data()))
    sheets = workbook.worksheets
    assert [sheet.title for sheet in sheets] == \
        ["客户投诉", *(f"客户投诉 ({n})" for n in range(2, len(sheets) + 1))]
    assert len(sheets) == (rows + 1) // 2  # two rows a sheet, the last maybe one
    numbers = []
    for sheet in sheets:
        assert [cell.value for cell in sheet[1]] == csv_rows[0]
        assert sheet.freeze_panes == "A2" and 2 <= sheet.max_row <= 3
        numbers += [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [row[0] for row in csv_rows[1:]]


def test_an_export_of_no_rows_is_the_header_alone(client, login_as):
    login_as("gm")
    sheets = openpyxl.load_workbook(io.BytesIO(client.get(
        "/admin/complaint/export/xlsx/?search=NO-SUCH-COMPLAINT-XYZ").get_data())).worksheets
    assert [sheet.title for sheet in sheets] == ["客户投诉"]
    assert sheets[0].max_row == 1 and sheets[0]["A1"].value == "投诉编号"
