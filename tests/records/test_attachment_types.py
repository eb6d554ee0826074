"""Issue 11 item 15: an attachment is served with a type the server decides from its
name and bytes, never the uploader's: only real PNG, JPEG, TIFF and PDF files are
shown inline; anything else (an HTML or SVG page disguised as a scan or a text file)
is an ``application/octet-stream`` download. Every response is ``no-store`` and
``nosniff``, names the file RFC 5987-encoded, and leaves no database connection or
file open once it is sent."""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from models import ArchiveFile, Attachment, db

from ..s3_support import put_bytes, stored_bytes
from .test_attachments import files_added_removed

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

#: (file name, bytes, the type the uploader claims) → (served type, inline?)
CASES = {
    "html-as-png": (("page.png", HTML, "image/png"), ("application/octet-stream", False)),
    "html-as-text": (("说明.txt", HTML, "text/html"), ("application/octet-stream", False)),
    "svg-as-pdf": (("drawing.pdf", SVG, "image/svg+xml"),
                   ("application/octet-stream", False)),
    "svg-as-jpeg": (("photo.jpg", SVG, "image/jpeg"), ("application/octet-stream", False)),
    "real-pdf": (("合同扫描件.pdf", PDF, "text/html"), ("application/pdf", True)),
    "real-png": (("现场照片.png", PNG, "text/html"), ("image/png", True)),
}


@pytest.fixture
def record(app, world):
    """A sales archive file and its edit form; the files a test attaches to it are
    removed afterwards (another module counts the file's attachments: the API's)."""
    row = next(r for r in world.rows_of("archive_file")
               if r.department == "sales" and r.level == "internal")
    with app.app_context():
        found = db.session.get(ArchiveFile, row.id)
        form = {"title": found.title, "category": found.category,
                "retention": found.retention, "customer": str(found.customer_id),
                "department": str(found.department_id)}
        db.session.remove()
    with files_added_removed(app, row.id):
        yield row.id, form


def upload(app, client, record, filename, data, claimed) -> Attachment:
    """Attach a file through the record's edit form; the new attachment row."""
    record_id, form = record
    response = client.post(f"/admin/archive_file/edit/?id={record_id}", data={
        **form, "upload": (io.BytesIO(data), filename, claimed)},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        attachment = db.session.scalars(sa.select(Attachment).where(
            Attachment.owner_table == "archive_file", Attachment.owner_id == record_id,
            Attachment.filename == filename).order_by(Attachment.id.desc())).first()
        db.session.expunge_all()
        db.session.remove()
    return attachment


@pytest.mark.parametrize("case", list(CASES))
def test_served_type_is_decided_by_the_server(app, client, login_as, record, case):
    (filename, data, claimed), (served, inline) = CASES[case]
    login_as("clerk.sales")
    attachment = upload(app, client, record, filename, data, claimed)
    # The row keeps the server's decision, the bytes, their SHA-256 and size.
    assert attachment.content_type == served != claimed
    assert (attachment.sha256, attachment.size) == (hashlib.sha256(data).hexdigest(),
                                                    len(data))
    assert stored_bytes(app, attachment.stored_name) == data

    response = client.get(f"/files/{attachment.id}")
    assert response.status_code == 200
    assert response.data == data
    assert response.mimetype == served
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" not in response.headers
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;")
    if filename.isascii():
        assert f"filename={filename}" in disposition
    else:  # RFC 5987 / 6266: the UTF-8 name percent-encoded, beside an ASCII fallback
        assert f"filename*=UTF-8''{quote(filename)}" in disposition
    response.close()


def test_a_row_stored_with_the_uploaders_type_is_served_safely(app, client, login_as,
                                                               record):
    """Rows written before the server decided keep the uploader's type: the download
    decides again from the stored bytes."""
    record_id, _form = record
    with app.app_context():
        token = "legacy" + os.urandom(8).hex()
        put_bytes(app, token, HTML)
        legacy = Attachment(owner_table="archive_file", owner_id=record_id,
                            filename="旧扫描件.html.png", stored_name=token,
                            content_type="text/html", size=len(HTML),
                            sha256=hashlib.sha256(HTML).hexdigest())
        db.session.add(legacy)
        db.session.commit()
        legacy_id = legacy.id
        db.session.remove()
    login_as("clerk.sales")
    response = client.get(f"/files/{legacy_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    response.close()


def open_files_under(folder: Path) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_downloads_leave_no_connection_or_file_open(app, client, login_as, record):
    login_as("clerk.sales")
    attachment = upload(app, client, record, "scan.pdf", PDF, "application/pdf")
    folder = Path(app.config["UPLOAD_FOLDER"]).resolve()
    with app.app_context():
        pool = db.engine.pool
    before = pool.checkedout()
    for _ in range(30):
        response = client.get(f"/files/{attachment.id}")
        assert response.status_code == 200
        response.close()  # what the WSGI server does once the body is sent
    assert pool.checkedout() == before
    assert open_files_under(folder) == []
