"""A write-only XLSX sheet that takes whole rows: the export's cells at a third of the cost.

XlsxWriter's constant-memory mode keeps one row in memory and writes it out as XML
when the next row starts. Each cell goes through a public ``write_*`` call (argument
decorator, bounds check, a cell tuple stored in the row's table) and later through
``_write_cell`` (its A1 reference, an attribute list, the cell's type found by its class
name, three regular expressions on every string). That per-cell path was about 14 of an
XLSX export's 26 s for 100,000 complaints × 34 columns (issue 17, target 2).

``RowSheet`` is a ``Worksheet`` (Workbook.add_worksheet's documented
``worksheet_class``) with one more method, ``append_rows``: it writes each row's XML in
one piece, in the same bytes XlsxWriter writes (a test compares the two on awkward
values), and keeps the sheet's dimensions and row state so the rest of the workbook
(header, styles, frozen panes, widths, the zip) stays XlsxWriter's own work.

Three differences, on purpose. Control characters other than tab, line feed and
carriage return are dropped, as the export always did: XlsxWriter writes them as
Excel's ``_x0001_`` escapes, which openpyxl and WPS show as those six characters.
XlsxWriter's constant-memory mode writes a string that starts with ``<r>`` and ends
with ``</r>`` into the file unescaped, as rich text XML: a complaint whose text is
shaped so could put cells of its own making into the GM's spreadsheet; here every
string is escaped, and such a text reads back as itself. And a number that is not
finite (NaN, infinity), which XlsxWriter refuses with an exception that ended the whole
export, is written as its text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

#: Characters an XLSX cell cannot hold (XML 1.0 control characters): dropped.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: A string that needs more than its own text in the XML: markup characters, control
#: characters (written as Excel's ``_xHHHH_``) or a literal ``_xHHHH_`` (escaped again).
NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_")
#: Leading or trailing white space, which the cell must be told to keep.
EDGE_SPACE = re.compile(r"^\s|\s$")


class RowSheet(Worksheet):
    """A worksheet of a workbook in constant-memory mode that also takes whole rows."""

    def append_rows(self, first_row: int, rows: Iterable[Sequence],
                    number_formats: Sequence[Format | None],
                    date_format: Format, datetime_format: Format) -> int:
        """Write ``rows`` from row ``first_row`` (zero-based) on; return the next row.

        A value is a ``str`` (text), ``datetime``/``date`` (a serial number in the
        given format), ``bool``, a finite number (``int``, ``float``, ``Decimal``: in
        ``number_formats[column]``) or None (no cell). Anything else is written as its
        text. A row past the sheet's last (1,048,576) raises ValueError: the caller
        starts another sheet (XlsxWriter's own calls dropped it without a word).
        """
        if not self.constant_memory:
            raise ValueError("RowSheet.append_rows needs the workbook's constant_memory")
        if first_row <= self.previous_row:
            raise ValueError("rows are appended after the rows already written")
        self._write_single_row(first_row)  # the rows written cell by cell (the header)
        last_row = self.xls_rowmax - 1
        letters = [xl_col_to_name(column) for column in range(len(number_formats))]
        style = _StyleAttributes(number_formats, date_format, datetime_format)
        serial, days = self._convert_date_time, {}
        text = self._cell_text
        write = self.fh.write
        row, widest = first_row, -1
        for values in rows:
            if row > last_row:
                raise ValueError(f"a sheet holds {self.xls_rowmax:,} rows: start another")
            number = str(row + 1)
            parts = [f'<row r="{number}">']
            add = parts.append
            for column, value in enumerate(values):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    add(f'<c r="{letters[column]}{number}" t="inlineStr">{text(value)}</c>')
                elif kind is datetime:
                    add(f'<c r="{letters[column]}{number}"{style.datetime()}>'
                        f"<v>{serial(value):.16G}</v></c>")
                elif kind is date:
                    day = days.get(value)
                    if day is None:
                        day = days[value] = f"{serial(value):.16G}"
                    add(f'<c r="{letters[column]}{number}"{style.date()}><v>{day}</v></c>')
                elif kind is bool:
                    add(f'<c r="{letters[column]}{number}" t="b"><v>{int(value)}</v></c>')
                elif kind is int or (kind is Decimal and value.is_finite()) \
                        or (kind is float and math.isfinite(value)):
                    add(f'<c r="{letters[column]}{number}"{style.number(column)}>'
                        f"<v>{value:.16G}</v></c>")
                else:
                    add(f'<c r="{letters[column]}{number}" t="inlineStr">'
                        f"{text(str(value))}</c>")
                if column > widest:
                    widest = column
            add("</row>")
            write("".join(parts))
            row += 1
        if row > first_row:
            self._check_dimensions(row - 1, max(widest, 0))
            self.previous_row = row - 1
        return row

    def discard(self) -> None:
        """Close the file of rows written so far, for a workbook that will not be
        closed (an export that failed): XlsxWriter closes it only when it closes."""
        self._opt_close()

    def _cell_text(self, value: str) -> str:
        """An inline string's ``<is>`` element, as XlsxWriter writes a plain one (the
        control characters it would escape as ``_xHHHH_`` dropped, but a carriage
        return's ``_x000D_``)."""
        if NEEDS_ESCAPE.search(value):
            value = XLSX_ILLEGAL.sub("", value)
            value = self._escape_data(self._escape_control_characters(value))
        if EDGE_SPACE.search(value):
            return f'<is><t xml:space="preserve">{value}</t></is>'
        return f"<is><t>{value}</t></is>"


class _StyleAttributes:
    """A cell's `` s="N"`` attribute per format, its number taken when first used, as
    XlsxWriter takes it (a format no cell uses stays out of the workbook's styles)."""

    def __init__(self, number_formats, date_format, datetime_format):
        self.formats = [*number_formats, date_format, datetime_format]
        self.attributes: list[str | None] = [None] * len(self.formats)

    def number(self, column: int) -> str:
        attribute = self.attributes[column]
        if attribute is None:
            style = self.formats[column]
            attribute = self.attributes[column] = (
                "" if style is None else f' s="{style._get_xf_index()}"')
        return attribute

    def date(self) -> str:
        return self.number(len(self.formats) - 2)

    def datetime(self) -> str:
        return self.number(len(self.formats) - 1)
