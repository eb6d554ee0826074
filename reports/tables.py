"""A report table: what the statistics screen and the periodic reports show, chart and
download, in one shape.

A table has a row heading, typed columns and rows of values; the screen draws it as a
table (for reading and for screen readers) with a chart beside it (``charts.py``), and
``xlsx_response`` writes the same values as typed cells (numbers stay numbers).
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from admin_views.export import XLSX_MIMETYPE
from admin_views.secure import neutralise_formula
from admin_views.xlsx_sheet import XLSX_ILLEGAL

#: Number formats of the column kinds, as Excel and WPS read them.
NUMBER_FORMATS = {"count": "0", "amount": "#,##0.00", "quantity": "#,##0.###",
                  "percent": "0.0%", "days": "0.0", "date": "yyyy-mm-dd",
                  "datetime": "yyyy-mm-dd hh:mm"}


@dataclass
class Column:
    key: str
    label: object
    kind: str = "count"
    """``count``, ``amount``, ``quantity``, ``percent`` (a fraction), ``days``, ``text``,
    ``date`` or ``datetime`` (Shanghai time, naive)."""
    charted: bool = True
    """Drawn in the chart (totals and rates next to counts are not)."""


@dataclass
class Table:
    key: str
    """Stable name: the anchor, the download's name, the tests' handle."""
    title: object
    row_label: object
    columns: list[Column]
    rows: list[tuple[str, list]] = field(default_factory=list)
    """(row heading, one value per column)."""
    note: object = ""
    """What is counted, and from which date: said under the title."""
    chart: str | None = "bars"
    """``bars`` (stacked per row), or None for a list that is not drawn."""

    def value(self, row: str, column: str):
        """One figure, by row heading and column key (tests, reports)."""
        index = [c.key for c in self.columns].index(column)
        for heading, values in self.rows:
            if heading == row:
                return values[index]
        raise KeyError(row)

    def charted_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns)
                if c.charted and c.kind in ("count", "amount", "quantity", "days")]


def shown(value, kind: str) -> str:
    """A value as the screen and the printout show it."""
    if value is None:
        return "—"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "amount":
        return f"{value:,.2f}"
    if kind == "days":
        return f"{value:.1f}"
    if kind == "quantity":
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell(sheet, value, kind: str):
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, str):
        value = neutralise_formula(XLSX_ILLEGAL.sub("", value))
    elif value is not None and not isinstance(value, (int, float, date, datetime)):
        value = neutralise_formula(XLSX_ILLEGAL.sub("", str(value)))
    cell = WriteOnlyCell(sheet, value=value)
    if kind in NUMBER_FORMATS and not isinstance(value, str):
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def sheet_title(text) -> str:
    return INVALID_TITLE_REGEX.sub("-", str(text))[:31] or "Sheet"


def write_table(workbook, table: Table, heading: str | None = None) -> None:
    """One sheet: a title line, the header (bold, frozen), the rows as typed cells."""
    sheet = workbook.create_sheet(title=sheet_title(table.title))
    sheet.freeze_panes = "B3"
    labels = [str(table.row_label), *(str(c.label) for c in table.columns)]
    for index, label in enumerate(labels):
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(
            40, max(12, 2 * len(label) + 4))
    title = WriteOnlyCell(sheet, value=heading or str(table.title))
    title.font = Font(bold=True, size=12)
    sheet.append([title])
    header = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
        header.append(cell)
    sheet.append(header)
    for row_heading, values in table.rows:
        sheet.append([_cell(sheet, row_heading, "text"),
                      *(_cell(sheet, v, c.kind) for v, c in zip(values, table.columns,
                                                                 strict=True))])


def xlsx_response(tables: list[Table], filename: str, heading: str | None = None):
    """The tables as one XLSX download (one sheet each), written to a temporary file."""
    workbook = Workbook(write_only=True)
    for table in tables:
        write_table(workbook, table, heading)
    file = tempfile.TemporaryFile()
    workbook.save(file)
    file.seek(0)
    response = send_file(file, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=filename, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response
