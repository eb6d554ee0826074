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
is written in the view, row by row, by openpyxl's write-only mode into a temporary
file (memory stays flat at 100,000 rows, where tablib's in-memory workbook took
hundreds of megabytes), and the file is then sent from disk.
"""
from __future__ import annotations

import re
import tempfile

from flask import send_file
from flask_admin._compat import csv_encode
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from models import db

#: Rows per fetch while exporting: memory stays flat however many rows.
EXPORT_BATCH = 500

#: Characters an XLSX cell cannot hold (XML 1.0 control characters); openpyxl refuses
#: them, so a value carrying one would make the whole export fail.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def xlsx_text(value) -> str:
    return XLSX_ILLEGAL.sub("", csv_encode(value))


def xlsx_response(view, rows, filename: str):
    """The rows as an XLSX download: headers bold and frozen, as tablib wrote them."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=INVALID_TITLE_REGEX.sub("-", str(view.name))[:31]
                                  or "Sheet")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    headers = []
    for index, (_name, label) in enumerate(view._export_columns):
        cell = WriteOnlyCell(sheet, value=xlsx_text(label))
        cell.font = bold
        headers.append(cell)
        # Widths go before the first row; the header decides (the rows are not read yet).
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(
            40, max(12, 2 * len(str(label)) + 4))
    sheet.append(headers)
    for row in rows:
        sheet.append([xlsx_text(view.get_export_value(row, name))
                      for name, _label in view._export_columns])
    file = tempfile.TemporaryFile()  # unlinked at once; gone when the response closes
    workbook.save(file)
    file.seek(0)
    response = send_file(file, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=filename, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"  # records stay off disks and proxies
    return response
