"""Exports give their database connection back (issue 11, item 1).

Flask-Admin writes a CSV export after the view has returned. The export query used
to stay bound to the session the request's teardown had already closed; iterating it
opened a new transaction nobody ended, so each CSV export kept one pooled connection
until the garbage collector came by, and a few dozen exports emptied the pool.
"""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from models import REGISTRY, db

from ..world import extra_rows

#: Tables exported in turn (a mix of plain lists and ones with many relations).
TABLES = ("customer", "complaint", "contract", "archive_file", "audit_event")


def checked_out(app) -> int:
    with app.app_context():
        return db.engine.pool.checkedout()


def test_a_hundred_exports_return_every_connection(app, client, login_as):
    login_as("gm")
    baseline = checked_out(app)
    for number in range(100):
        table = TABLES[number % len(TABLES)]
        kind = "csv" if number % 2 == 0 else "xlsx"
        response = client.get(f"/admin/{table}/export/{kind}/")
        assert response.status_code == 200, (table, kind)
        assert response.get_data(), (table, kind)
        assert response.headers["Cache-Control"] == "no-store"
        response.close()
        assert checked_out(app) == baseline, f"export {number} ({table} {kind}) kept one"
    assert client.get("/admin/customer/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_an_abandoned_download_returns_its_connection(app, client, login_as):
    """The client goes away after the first rows: the server closes the response."""
    login_as("gm")
    baseline = checked_out(app)
    response = client.get("/admin/customer/export/csv/", buffered=False)
    chunks = iter(response.response)
    next(chunks), next(chunks)  # the header line and the first row
    response.close()
    assert checked_out(app) == baseline
    assert client.get("/admin/customer/").status_code == 200


def exported_lines(response, kind: str) -> list[list[str]]:
    if kind == "csv":
        return list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [["" if v is None else str(v) for v in line]
            for line in book.active.iter_rows(values_only=True)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_long_export_is_complete_and_still_hides_what_the_user_may_not_see(
        app, client, login_as, world, kind):
    """More rows than one fetch batch, half of them above the supervisor's clearance."""
    rows = [{"code": f"BULK-{kind}-{n:05d}", "name": f"BULK-{kind} customer {n}",
             "department_id": world.departments["sales"],
             "level": "secret" if n % 2 else "internal"} for n in range(1203)]
    with extra_rows(app, REGISTRY["customer"], rows):
        for user, expected in (("gm", 1203), ("supervisor", 602)):
            login_as(user)
            response = client.get(f"/admin/customer/export/{kind}/?search=BULK-{kind}")
            assert response.status_code == 200
            lines = exported_lines(response, kind)
            codes = [cell for line in lines[1:] for cell in line
                     if cell.startswith(f"BULK-{kind}-")]
            assert len(codes) == len(set(codes)) == expected, user
            if user == "supervisor":
                assert all(int(code[-5:]) % 2 == 0 for code in codes)


def test_a_failed_xlsx_export_leaves_no_file_open(app, client, login_as, monkeypatch):
    """An XLSX export that fails half-way (here: a row whose value cannot be read)
    closes its temporary file, as a finished one does when its response closes."""
    import tempfile

    from admin_views import export

    opened, make = [], tempfile.TemporaryFile

    def temporary_file(*args, **kwargs):
        opened.append(make(*args, **kwargs))
        return opened[-1]

    def rows_then_failure(plan, rows):
        yield from []
        raise RuntimeError("the connection went away")

    monkeypatch.setattr(export.tempfile, "TemporaryFile", temporary_file)
    monkeypatch.setattr(export.ExportPlan, "rows", rows_then_failure)
    login_as("gm")
    with pytest.raises(RuntimeError):  # the test app lets a server error through
        client.get("/admin/complaint/export/xlsx/")
    assert len(opened) == 1 and opened[0].closed


def test_a_failed_xlsx_export_leaves_no_rows_on_disk(app, client, login_as, monkeypatch,
                                                     tmp_path):
    """XlsxWriter keeps the rows written so far in a file of its own, removed when the
    workbook closes: an export that failed after some rows left that file, records in
    plain text, in the system's temporary directory."""
    import tempfile

    from admin_views import export

    written, all_rows = [], export.ExportPlan.rows

    def rows_then_failure(plan, rows):
        for values in all_rows(plan, rows):
            written.append(values)
            yield values
            if len(written) == 3:
                raise RuntimeError("the connection went away")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(export.ExportPlan, "rows", rows_then_failure)
    login_as("gm")
    with pytest.raises(RuntimeError, match="went away"):
        client.get("/admin/complaint/export/xlsx/")
    assert len(written) == 3
    assert list(tmp_path.rglob("*")) == []
