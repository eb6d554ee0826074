"""Exports that hold no database connection past their request and no table in memory.

Flask-Admin writes a CSV export in a generator that runs after the view has returned
(``stream_with_context``). By then the request's teardown has removed the session the
export query was built on; a query still bound to that session opens a new
transaction on it when the generator iterates, and nothing ever closes it: every
CSV export kept one pooled connection until the garbage collector happened by (the
pool ran dry after a few dozen exports). ``StreamedRows`` therefore runs its query on
the session of the context it is *iterated* in. Inside the streaming generator that
is a fresh scoped session, which ``stream_with_context`` removes (Flask-SQLAlchemy's
app-context teardown) when the generator finishes or the server closes it because the
client went away.

XLSX cannot be sent before it is complete (a zip file ends with its directory), so it
is written in the view, row by row, by XlsxWriter's constant-memory mode (whole rows
at a time, ``xlsx_sheet.RowSheet``) into a temporary file (memory stays flat at
100,000 rows, where tablib's in-memory workbook took hundreds of megabytes), and the
file is then sent from disk.

The cells (issue 17 item 2, issue 15 item 4) come from an ``ExportPlan`` made once per
export: per column one small function from the record to its value, code labels from a
dictionary resolved once, formulas neutralised; Flask-Admin's per-cell path (formatter
look-up, choices map, type formatters, lazy labels) cost about 60 % of an export. CSV
is UTF-8 with a BOM (Chinese Excel and WPS read it right) written in chunks; XLSX has
typed cells (numbers, dates and times in Shanghai time, amounts with two decimals),
the header in the user's language, the sheet named after the list, a frozen header
row and column widths measured on the first rows. File names carry the list's name
and the local date (``客户投诉-2026-12-01.xlsx``; RFC 5987 ``filename*``).
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import sqlalchemy as sa
import xlsxwriter
from flask import Response, send_file, stream_with_context
from flask_babel import gettext as _
from markupsafe import Markup
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from models import db
from models.numbering import local_date_of

from .fields import utc_to_local
from .formatting import translated
from .xlsx_sheet import XLSX_ILLEGAL, RowSheet

#: Rows per fetch while exporting: memory stays flat however many rows.
EXPORT_BATCH = 500
#: CSV rows written per chunk sent.
CSV_CHUNK = 500
#: Rows read before the XLSX columns' widths are fixed (write-only sheets take them
#: before the first row).
WIDTH_SAMPLE = 200
#: Data rows of one XLSX sheet: Excel's 1,048,576 rows, the header's taken.
SHEET_ROWS = 1_048_575

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Characters that make a spreadsheet cell run as a formula (CSV/XLSX injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"


#: The same, as a set of first characters.
FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


def neutralise_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class StreamedRows:
    """An export's query, run in batches when iterated, on the session of the
    iterating context (see the module docstring for why not the building one)."""

    def __init__(self, query):
        self.query = query

    def options(self, *options) -> StreamedRows:
        return StreamedRows(self.query.options(*options))

    def all(self) -> StreamedRows:
        """What Flask-Admin's export asks for: still nothing is read."""
        return self

    def __iter__(self):
        return iter(self.query.with_session(db.session()).yield_per(EXPORT_BATCH))


def _column_of(model, name: str):
    """The table column behind attribute ``name`` (None for relations and properties)."""
    attr = sa.inspect(model).attrs.get(name)
    columns = getattr(attr, "columns", None)
    return columns[0] if columns and isinstance(columns[0], sa.Column) else None


#: Shanghai has kept UTC+8 all year since 1992: later moments convert by adding it.
FIXED_OFFSET_SINCE = datetime(1992, 1, 1)
EIGHT_HOURS = timedelta(hours=8)


def to_local(value: datetime) -> datetime:
    return value + EIGHT_HOURS if value >= FIXED_OFFSET_SINCE else utc_to_local(value)


class Reference:
    """A single-record relation of the exported rows, shown as its record's text.

    Read for a chunk of rows at once: one query for the related records the chunk
    needs and the export has not seen yet, through the session, so the user's rules
    apply as to a lazy load (a record they may not see is an empty cell)."""

    def __init__(self, model, relation):
        (local, remote), = relation.local_remote_pairs
        self.key = sa.inspect(model).get_property_by_column(local).key
        self.target = relation.mapper.class_
        self.remote = remote
        self.remote_key = relation.mapper.get_property_by_column(remote).key
        self.texts: dict = {}
        self.seen: set = set()

    def load(self, records) -> None:
        wanted = {getattr(r, self.key) for r in records} - self.seen - {None}
        if not wanted:
            return
        self.seen |= wanted
        found = db.session.scalars(sa.select(self.target).where(
            self.remote.in_(sorted(wanted))))
        for record in found:
            self.texts[getattr(record, self.remote_key)] = str(record)

    def cell(self, plan):
        key, texts, convert = self.key, self.texts, plan.text

        def reference_cell(row):
            text = texts.get(getattr(row, key))
            return convert(text)
        return reference_cell


def single_references(model, names) -> dict[str, Reference]:
    """The exported relations that point at one record each (not lists)."""
    found = {}
    for relation in sa.inspect(model).relationships:
        if relation.key in names and not relation.uselist \
                and len(relation.local_remote_pairs) == 1:
            found[relation.key] = Reference(model, relation)
    return found


class ExportPlan:
    """An export's columns: (label, cell function, number format) each, made once.

    ``typed``: cells keep their type (XLSX); otherwise every cell is text (CSV). A
    column the view formats itself (``column_formatters_export``) is asked through its
    formatter, as Flask-Admin would; the generator's code formatters are replaced by
    a dictionary of the labels in the user's language; a plain column gets the
    converter of its SQL type; a single-record relation is read per chunk
    (``Reference``).
    """

    def __init__(self, view, typed: bool):
        self.view, self.typed = view, typed
        self.yes, self.no = _("Yes"), _("No")
        names = [name for name, _label in view._export_columns]
        formatters = view.column_formatters_export or {}
        self.references = {name: ref for name, ref in
                           single_references(view.model, names).items()
                           if name not in formatters}
        self.labels = [str(label) for _name, label in view._export_columns]
        self.formats = [self._format(name) for name in names]
        self.cells = [self._cell(name) for name in names]

    def _format(self, name: str) -> str | None:
        column = _column_of(self.view.model, name)
        if column is None:
            return None
        kind = column.type
        if isinstance(kind, sa.DateTime):
            return DATETIME_FORMAT
        if isinstance(kind, sa.Date):
            return DATE_FORMAT
        if isinstance(kind, sa.Numeric) and getattr(kind, "scale", None) == 2:
            return AMOUNT_FORMAT
        return None

    def _cell(self, name: str):
        view = self.view
        formatter = (view.column_formatters_export or {}).get(name)
        codes = getattr(formatter, "choices", None)
        if codes is not None:  # the generator's code → label formatter
            labels = {code: translated(text) for code, text in codes.items()}
            empty = None if self.typed else ""

            def code_cell(row):
                value = getattr(row, name)
                if value is None:
                    return empty
                found = labels.get(value)
                if found is not None:
                    return found
                return " ".join(labels.get(c, c) for c in str(value).split())
            return code_cell
        if name in self.references:
            return self.references[name].cell(self)
        choices = {k: translated(v) for k, v in view._column_choices_map.get(name, {}).items()}
        convert = self._value
        if formatter is not None:
            def formatted_cell(row):
                value = formatter(view, None, row, name)
                if choices and value in choices:
                    return choices[value]
                return convert(value, name)
            return formatted_cell
        if "." in name:
            return lambda row: convert(view._get_field_value(row, name), name)
        column = _column_of(view.model, name)
        if column is not None and not choices and name in sa.inspect(view.model).column_attrs:
            typed_convert = self._typed_converter(column.type)
            if typed_convert is not None:
                return lambda row: typed_convert(getattr(row, name))

        def cell(row):
            value = getattr(row, name, None)
            if choices and value in choices:
                return choices[value]
            return convert(value, name)
        return cell

    def _typed_converter(self, kind):
        """A converter for every value of a column of this SQL type (None: generic)."""
        typed = self.typed
        empty = None if typed else ""
        if isinstance(kind, sa.DateTime):
            if typed:
                return lambda v: empty if v is None else to_local(v)
            return lambda v: empty if v is None else to_local(v).isoformat(" ", "minutes")
        if isinstance(kind, sa.Date):
            return lambda v: empty if v is None else (v if typed else v.isoformat())
        if isinstance(kind, sa.Boolean):
            yes, no = self.yes, self.no
            return lambda v: empty if v is None else (yes if v else no)
        if isinstance(kind, (sa.Integer, sa.Numeric)):
            return lambda v: empty if v is None else (v if typed else str(v))
        if isinstance(kind, sa.String):
            return self.text
        return None

    def text(self, value):
        """A text cell: empty for None, formulas neutralised."""
        if value is None:
            return None if self.typed else ""
        if type(value) is not str:
            return self._value(value, None)
        if value[:1] in FORMULA_STARTS:
            return "'" + value
        return value

    def _value(self, value, name):
        if value is None:
            return None if self.typed else ""
        if isinstance(value, str):
            day = getattr(value, "day", None)
            if self.typed and isinstance(day, date) and value == day.isoformat():
                return day  # a date that shows itself as text (a due date, no flag)
            if isinstance(value, Markup):
                value = value.striptags()
            return neutralise_formula(str(value))
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, datetime):
            local = to_local(value)
            return local if self.typed else local.isoformat(" ", "minutes")
        if isinstance(value, date):
            return value if self.typed else value.isoformat()
        if isinstance(value, (int, float, Decimal)):
            return value if self.typed else str(value)
        for kind, formatter in (self.view.column_type_formatters_export or {}).items():
            if isinstance(value, kind):
                return self._value(formatter(self.view, value, name), name)
        return neutralise_formula(str(value))

    def rows(self, records):
        """The cells of each record, the references read a chunk of records at a time."""
        cells, references = self.cells, list(self.references.values())
        chunk = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= EXPORT_BATCH:
                for reference in references:
                    reference.load(chunk)
                for row in chunk:
                    yield [cell(row) for cell in cells]
                chunk = []
        for reference in references:
            reference.load(chunk)
        for row in chunk:
            yield [cell(row) for cell in cells]


def export_filename(view, extension: str) -> tuple[str, str]:
    """(the file name in the user's language, an ASCII one for old clients): the
    list's name and today's date in Shanghai, e.g. 客户投诉-2026-12-01.xlsx."""
    day = local_date_of(None).isoformat()
    name = INVALID_TITLE_REGEX.sub("-", str(view.name)).replace('"', "") or view.endpoint
    return f"{name}-{day}.{extension}", f"{view.endpoint}-{day}.{extension}"


def content_disposition(view, extension: str) -> str:
    """``attachment`` with the ASCII name and the real one as RFC 5987 ``filename*``."""
    name, ascii_name = export_filename(view, extension)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def csv_response(view, rows) -> Response:
    """The rows as CSV, UTF-8 with a byte order mark, streamed in chunks."""
    plan = ExportPlan(view, typed=False)

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(plan.labels)
        yield "\ufeff" + buffer.getvalue()
        chunk = []
        for values in plan.rows(rows):
            chunk.append(values)
            if len(chunk) >= CSV_CHUNK:
                buffer.seek(0)
                buffer.truncate()
                writer.writerows(chunk)
                chunk = []
                yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(chunk)
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv",
                        content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition(view, "csv")
    response.headers["Cache-Control"] = "no-store"
    return response


def _width(value) -> int:
    """How many character widths a cell's text takes (a Chinese character: two)."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return len(text) + sum(1 for ch in text if ord(ch) > 0x2E7F)


def xlsx_response(view, rows, filename: str | None = None):
    """The rows as an XLSX download, written row by row into a temporary file:
    typed cells, bold frozen header, widths from the first rows.

    XlsxWriter in its constant-memory mode: each row goes to disk as it comes (memory
    stays flat), written whole by ``RowSheet`` (``xlsx_sheet.py``) at about a third of
    the cost of XlsxWriter's cell-by-cell calls, which were half of openpyxl's."""
    file = tempfile.TemporaryFile()  # unlinked at once; gone when the response closes
    try:
        _write_workbook(file, view, rows)
    except BaseException:
        file.close()  # a failed export (a lost connection, a bad value) leaves no file open
        raise
    file.seek(0)
    name, _ascii = export_filename(view, "xlsx")
    response = send_file(file, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=filename or name, conditional=False, etag=False)
    if filename is None:  # Werkzeug's ASCII fallback drops the Chinese name: ours
        response.headers["Content-Disposition"] = content_disposition(view, "xlsx")
    response.headers["Cache-Control"] = "no-store"  # records stay off disks and proxies
    return response


def _write_workbook(file, view, rows) -> None:
    """Write ``rows`` of ``view`` into ``file`` (``xlsx_response``): one sheet, or as
    many as the rows need (a sheet holds ``SHEET_ROWS``).

    XlsxWriter keeps the rows written so far, and the workbook's parts while it zips
    them, in files of its own in its ``tmpdir``; it removes them when the workbook
    closes. An export that fails half-way (a lost connection) never closes it, and
    those files, records in plain text, stayed in the system's temporary directory.
    Here they live in a directory of this export's, removed whatever happens."""
    with tempfile.TemporaryDirectory(prefix="xlsx-export-") as scratch:
        workbook = xlsxwriter.Workbook(file, {
            "constant_memory": True, "strings_to_numbers": False,
            "strings_to_formulas": False, "strings_to_urls": False, "tmpdir": scratch})
        try:
            _write_sheets(workbook, view, ExportPlan(view, typed=True), rows)
            workbook.close()
        except BaseException:
            for sheet in workbook.worksheets():
                sheet.discard()  # a sheet whose file is closed already is left as it is
            raise


def _write_sheets(workbook, view, plan, rows) -> None:
    """Every row of ``plan`` into sheets of ``SHEET_ROWS`` rows under the same header
    and widths: the list's name, then "客户投诉 (2)" and so on.
    Rows past a sheet's last went nowhere before, and the file did not say so."""
    records = plan.rows(rows)
    sample = list(itertools.islice(records, WIDTH_SAMPLE))
    widths = [min(60, max(8, max([_width(label) + 2, *(_width(r[index]) for r in sample)])
                           + 1)) for index, label in enumerate(plan.labels)]
    bold = workbook.add_format({"bold": True})
    styles = {code: workbook.add_format({"num_format": code})
              for code in {DATE_FORMAT, DATETIME_FORMAT, *filter(None, plan.formats)}}
    number_styles = [styles.get(code) for code in plan.formats]
    name = INVALID_TITLE_REGEX.sub("-", str(view.name)) or "Sheet"
    remaining = itertools.chain(sample, records)
    for number in itertools.count(1):
        first = next(remaining, None)
        if first is None and number > 1:
            return
        suffix = f" ({number})" if number > 1 else ""
        sheet = workbook.add_worksheet(name[:31 - len(suffix)] + suffix,
                                       worksheet_class=RowSheet)
        sheet.freeze_panes(1, 0)
        for index, (label, width) in enumerate(zip(plan.labels, widths, strict=True)):
            sheet.set_column(index, index, width)
            sheet.write_string(0, index, XLSX_ILLEGAL.sub("", str(label)), bold)
        if first is None:
            return  # no rows: the header alone
        sheet.append_rows(1, itertools.chain([first], itertools.islice(
            remaining, SHEET_ROWS - 1)), number_styles,
            date_format=styles[DATE_FORMAT], datetime_format=styles[DATETIME_FORMAT])


class ExportMixin:
    """The secure view's export endpoints through ``ExportPlan``."""

    def get_export_name(self, export_type: str = "csv") -> str:
        return export_filename(self, export_type)[0]

    def _export_csv(self, return_url):
        _count, rows = self._export_data()
        return csv_response(self, rows)

    def _export_tablib(self, export_type: str, return_url: str):
        """XLSX written row by row to a temporary file (tablib builds it in memory)."""
        if export_type != "xlsx":
            return super()._export_tablib(export_type, return_url)
        _count, rows = self._export_data()
        return xlsx_response(self, rows)
