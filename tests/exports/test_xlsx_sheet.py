"""``RowSheet`` writes whole rows in the bytes XlsxWriter writes cell by cell (issue 17,
target 2), apart from the three differences its docstring names: control characters
are dropped, a text shaped like rich-text XML stays text, and a number that is not
finite is written as its text."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import xlsxwriter

from admin_views.xlsx_sheet import RowSheet

HEADER = ["文本", "金额", "受理时间", "处理期限", "数量", "是否", "备注"]

#: Values XlsxWriter writes each in its own way: white space at either end (an
#: ideographic space too), markup characters, quotes, a literal ``_xHHHH_``, line
#: breaks, tabs, a carriage return, an empty text, days before Excel's 1900 leap-year
#: bug, a late moment, numbers of three kinds, both booleans and gaps.
ROWS = [
    ["客户来电反映空调不制冷", Decimal("1234.50"), datetime(2026, 11, 3, 1, 30),
     date(2026, 11, 5), 3, True, None],
    ["  前导空格", Decimal("0"), datetime(1900, 2, 28, 23, 59), date(1900, 1, 1), 0,
     False, "尾随空格\u3000"],
    ["a & b < c > d", None, datetime(2099, 12, 31, 23, 59, 59, 999000), None, -7,
     None, 'say "hi"'],
    ["_x0041_ 不是 A", Decimal("-0.01"), None, date(1900, 3, 1), 10 ** 12, None,
     "第一行\n第二行"],
    ["tab\tinside", 0.1, datetime(2026, 1, 1), date(2026, 1, 1), 2.5, True, "回车\r\n换行"],
    ["", None, None, None, None, None, None],
    [None, None, None, None, None, None, "只有最后一列"],
    ["短行"],
]


def _workbook(write) -> bytes:
    """A workbook whose sheet has the header and ``write(sheet, *formats)``."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet("客户投诉", worksheet_class=RowSheet)
    sheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    for column, label in enumerate(HEADER):
        sheet.write_string(0, column, label, bold)
    amount = workbook.add_format({"num_format": "#,##0.00"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    percent = workbook.add_format({"num_format": "0.0%"})  # no cell of these rows uses it
    write(sheet, amount, moment, day, percent)
    workbook.close()
    return buffer.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    """Every part of an XLSX file by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _cell_by_cell(sheet, amount, moment, day, _percent) -> None:
    for row, values in enumerate(ROWS, start=1):
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(row, column, value)
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(row, column, value, moment)
            elif isinstance(value, date):
                sheet.write_datetime(row, column, value, day)
            else:
                sheet.write_number(row, column, value, amount if column == 1 else None)


def _whole_rows(sheet, amount, moment, day, percent) -> None:
    next_row = sheet.append_rows(1, ROWS, [percent, amount, None, None, None, None, None],
                                 date_format=day, datetime_format=moment)
    assert next_row == len(ROWS) + 1


def test_whole_rows_are_the_bytes_xlsxwriter_writes_cell_by_cell():
    expected, written = _parts(_workbook(_cell_by_cell)), _parts(_workbook(_whole_rows))
    assert written.keys() == expected.keys()
    for name in expected:
        assert written[name] == expected[name], name


def _read_back(values: list) -> list:
    def write(sheet, amount, moment, day, _percent):
        sheet.append_rows(1, [values], [None] * len(values), date_format=day,
                          datetime_format=moment)
    sheet = openpyxl.load_workbook(io.BytesIO(_workbook(write))).active
    assert sheet.max_row == 2  # the header and this row, no cell of any text's making
    return [cell.value for cell in sheet[2]]


def test_control_characters_are_dropped_and_line_breaks_kept():
    assert _read_back(["甲\x01乙\x1f丙", "行一\n行二\t制表"])[:2] == \
        ["甲乙丙", "行一\n行二\t制表"]


def test_a_number_that_is_not_finite_is_written_as_its_text():
    """XlsxWriter refuses NaN and infinity with an exception (the whole export failed)."""
    assert _read_back([Decimal("NaN"), float("inf"), Decimal("2.5")])[:3] == \
        ["NaN", "inf", 2.5]


def test_a_text_shaped_like_rich_text_reads_back_as_itself():
    """XlsxWriter's constant-memory mode writes ``<r>…</r>`` unescaped: this text
    would close its cell and write a cell of its own at A9."""
    forged = ('<r><t>已结案</t></r></is></c><c r="A9" t="inlineStr"><is>'
              '<r><t>伪造</t></r>')
    assert _read_back([forged, "<r>x</r>"])[:2] == [forged, "<r>x</r>"]
