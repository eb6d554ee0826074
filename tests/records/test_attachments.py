"""Attached files are served only to users who may see the record they belong to."""
from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from models import ArchiveFile, Attachment, db

from ..policy_oracle import ROLE_OF, sees
from ..s3_support import put_bytes


@pytest.fixture
def scans(app, world):
    """One stored scan per archive file of the world: (row, attachment id)."""
    made = []
    with app.app_context():
        for row in world.rows_of("archive_file"):
            token = f"t{row.id:08d}{row.marker}"
            put_bytes(app, token, f"scan of {row.marker}".encode())
            attachment = Attachment(owner_table="archive_file", owner_id=row.id,
                                    filename=f"扫描件-{row.id}.pdf", stored_name=token,
                                    content_type="application/pdf", size=20, sha256="0" * 64)
            db.session.add(attachment)
            db.session.flush()
            made.append((row, attachment.id))
        db.session.commit()
    yield made
    with app.app_context():
        db.session.execute(sa.delete(Attachment).where(
            Attachment.id.in_([pk for _, pk in made])))
        db.session.commit()


@pytest.mark.parametrize("username", list(ROLE_OF))
def test_download_follows_the_record(client, login_as, scans, username):
    login_as(username)
    for row, attachment_id in scans:
        response = client.get(f"/files/{attachment_id}")
        if sees(username, row):
            assert response.status_code == 200
            assert response.data == f"scan of {row.marker}".encode()
        else:
            assert response.status_code == 404
            assert row.marker.encode() not in response.data


def test_guessed_ids_and_anonymous_get_nothing(client, login_as, scans):
    assert client.get(f"/files/{scans[0][1]}").status_code == 302  # to the login page
    login_as("gm")
    assert client.get("/files/999999").status_code == 404
    assert client.get("/files/abc").status_code == 404


def test_details_page_lists_the_files_it_may(client, login_as, world, scans):
    login_as("clerk.sales")
    row, attachment_id = next((r, a) for r, a in scans
                              if r.department == "sales" and r.level == "internal")
    page = client.get(f"/admin/archive_file/details/?id={row.id}").get_data(as_text=True)
    assert f"/files/{attachment_id}" in page
    assert f"扫描件-{row.id}.pdf" in page


@contextmanager
def files_added_removed(app, owner_id: int):
    """The files a test attaches to an archive file are deleted afterwards: the world
    is shared, and other tests count the file's attachments (the API's)."""
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(Attachment.id))) or 0
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(sa.delete(Attachment).where(
                Attachment.owner_table == "archive_file", Attachment.owner_id == owner_id,
                Attachment.id > last))
            db.session.commit()
            db.session.remove()


def test_upload_with_the_form_and_refuse_bad_types(app, client, login_as, world):
    login_as("clerk.sales")
    row = next(r for r in world.rows_of("archive_file")
               if r.department == "sales" and r.level == "internal")
    with files_added_removed(app, row.id):
        _upload_good_and_bad(app, client, row)


def _upload_good_and_bad(app, client, row):
    edit = client.get(f"/admin/archive_file/edit/?id={row.id}")
    assert edit.status_code == 200 and 'name="upload"' in edit.get_data(as_text=True)
    with app.app_context():
        record = db.session.get(ArchiveFile, row.id)
        form = {"title": record.title, "category": record.category,
                "retention": record.retention, "customer": str(record.customer_id),
                "department": str(record.department_id)}
    bad = client.post(f"/admin/archive_file/edit/?id={row.id}", data={
        **form, "upload": (io.BytesIO(b"MZ..."), "virus.exe")},
        content_type="multipart/form-data")
    assert bad.status_code == 200
    assert "virus.exe" not in _names(app, row.id)
    good = client.post(f"/admin/archive_file/edit/?id={row.id}", data={
        **form, "upload": (io.BytesIO(b"%PDF-1.4 scan"), "合同扫描.pdf")},
        content_type="multipart/form-data")
    assert good.status_code == 302
    assert "合同扫描.pdf" in _names(app, row.id)


def _names(app, owner_id):
    with app.app_context():
        names = list(db.session.scalars(sa.select(Attachment.filename).where(
            Attachment.owner_table == "archive_file", Attachment.owner_id == owner_id)))
        db.session.remove()
        return names
