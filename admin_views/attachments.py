"""Files attached to records: uploaded with the record's form, served by one route.

The download route looks the owning record up through ``visible()`` and asks
``can(view)``, exactly as the record's own details page does; a file of a record
the user cannot see — or an id guessed or copied from elsewhere — answers 404. The
bytes come from the attachment store (``attachment_store.py``: the local folder or a
private S3 bucket) and are streamed by this route only: there is no public URL and no
redirect to the bucket. A file is stored in the record's own transaction; when the
store cannot take it, the form says so and neither the record nor a row is saved.

The type a file is served with is decided here, never taken from the uploader: a
file is shown in the browser only when its name and its first bytes agree that it
is one of a few passive formats (PNG, JPEG, TIFF, PDF); anything else goes out as
``application/octet-stream`` with ``Content-Disposition: attachment``, so an HTML or
SVG page disguised as a scan is saved, never run in our origin. Every response is
``no-store`` (records stay off shared caches and disks) and ``nosniff``. The four
signatures are the formats' own (PNG, JFIF/EXIF, TIFF, PDF specifications); a
general type detector would add guesses the allow-list must not trust.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import MultipleFileField
from wtforms.validators import ValidationError

from attachment_store import MissingObject, StoreUnavailable, current_store
from audit import record_event
from models import REGISTRY, Attachment, db

from .secure import refuse, visible_record

bp = Blueprint("files", __name__)

#: What a records office attaches: scans, photos, documents and phone recordings.
ALLOWED_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".doc", ".docx",
                      ".xls", ".xlsx", ".mp3", ".wav", ".amr", ".m4a", ".txt"}

#: Served inline: type → (signatures its bytes start with, file name extensions).
INLINE_TYPES: dict[str, tuple[tuple[bytes, ...], frozenset[str]]] = {
    "image/png": ((b"\x89PNG\r\n\x1a\n",), frozenset({".png"})),
    "image/jpeg": ((b"\xff\xd8\xff",), frozenset({".jpg", ".jpeg"})),
    "image/tiff": ((b"II*\x00", b"MM\x00*"), frozenset({".tif", ".tiff"})),
    "application/pdf": ((b"%PDF-",), frozenset({".pdf"})),
}
DOWNLOAD_TYPE = "application/octet-stream"
SIGNATURE_BYTES = 8


def served_type(filename: str, head: bytes) -> str:
    """The type a file is stored and served with, from its name and first bytes."""
    suffix = Path(filename).suffix.lower()
    for content_type, (signatures, suffixes) in INLINE_TYPES.items():
        if suffix in suffixes and head.startswith(signatures):
            return content_type
    return DOWNLOAD_TYPE


def display_name(name: str) -> str:
    """The original file name, reduced to a safe base name (Chinese kept)."""
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    return name.strip()[:200] or "file"


def check_uploads(field) -> None:
    for upload in field.data or ():
        if not getattr(upload, "filename", ""):
            continue
        if Path(upload.filename).suffix.lower() not in ALLOWED_EXTENSIONS:
            raise ValidationError(_l("This file type is not accepted. Accepted: "
                                     "PDF, images, Office documents, audio recordings."))


def store(record, upload) -> Attachment:
    """Put the bytes in the attachment store under a random name, then add the row
    with their SHA-256 and size, which backups, restores and ``attachments verify``
    check the object against. The row is added only once the object is stored: a
    store that fails raises ``StoreUnavailable`` and leaves no row."""
    data = upload.read()
    token = secrets.token_hex(16)
    sha256 = hashlib.sha256(data).hexdigest()
    current_store().put(token, data, sha256)
    filename = display_name(upload.filename)
    attachment = Attachment(
        owner_table=record.__tablename__, owner_id=record.id,
        filename=filename, stored_name=token,
        content_type=served_type(filename, data[:SIGNATURE_BYTES]), size=len(data),
        sha256=sha256, uploaded_by_id=current_user.id)
    db.session.add(attachment)
    g.setdefault(STORED_IN_REQUEST, []).append(token)
    return attachment


#: The files' kind among the record page's rows (``RecordPageMixin.page_rows``): not a
#: table name, so no related kind can take it.
FILES_KIND = "~files"


def render_links(view, context, record, name) -> Markup:
    items = [Markup('<li><a href="{}">{}</a> <small class="text-muted">{} KB</small></li>')
             .format(url_for("files.download", attachment_id=a.id), a.text,
                     max(1, a.size // 1024)) for a in view.attachments(record)]
    return Markup("<ul class='list-unstyled mb-0'>{}</ul>").format(
        Markup("").join(items)) if items else escape("—")


class AttachmentScreen:
    """Adds an upload field to the form and the file list to the details page."""

    form_extra_fields = {"upload": MultipleFileField(
        _l("Attach files"), validators=[lambda form, field: check_uploads(field)],
        description=_l("Scans, photos or recordings; they are kept with the record."))}

    def __init__(self, *args, **kwargs):
        # Instance attributes: the generated class keeps its declared lists untouched.
        self.column_details_list = [*self.column_details_list, "attachments"]
        self.column_labels = {**self.column_labels, "attachments": _l("Attachments")}
        self.column_formatters = {**(self.column_formatters or {}),
                                  "attachments": render_links}
        super().__init__(*args, **kwargs)

    def own_row_parts(self) -> list:
        """The record's files, in the same statement as the page's related records."""
        from .record_page import PAGE_RECORD  # record_page's screens import this module

        return [sa.select(
            sa.literal(FILES_KIND).label("kind"), Attachment.id.label("id"),
            Attachment.filename.label("text"), sa.literal("").label("status"),
            sa.literal(0).label("late"), sa.literal(0).label("total"),
            Attachment.size.label("size"),
        ).where(Attachment.owner_table == self.model.__tablename__,
                Attachment.owner_id == PAGE_RECORD)]

    def attachments(self, record) -> list:
        """The record's files (id, text: the file name, size), in upload order."""
        return sorted(self.page_rows(record).get(FILES_KIND, ()), key=lambda row: row.id)

    def on_model_change(self, form, model, is_created):
        """Store the files in the record's own transaction: the record, its files' rows
        and their audit events are committed together, or (the store away) none is."""
        super().on_model_change(form, model, is_created)
        uploads = [u for u in (form.upload.data or ()) if getattr(u, "filename", "")]
        if not uploads:
            return
        if model.id is None:
            db.session.flush()  # the new record's id, for its files' rows
        try:
            for upload in uploads:
                record_event("attach", model=model.__tablename__, record_id=model.id,
                             changes={"file": store(model, upload).filename})
        except StoreUnavailable as exc:
            current_app.logger.error("attachment store failed at upload: %s", exc)
            message = str(STORE_DOWN)
            form.upload.errors = [*form.upload.errors, message]
            raise StoreRefused(message) from exc

    def after_model_change(self, form, model, is_created):
        g.pop(STORED_IN_REQUEST, None)  # committed: the rows point at them now
        super().after_model_change(form, model, is_created)

    def handle_view_exception(self, exc: Exception) -> bool:
        """A save that fails after files were stored (the store away for a later file,
        a conflict at commit): the form says why, and the stored objects of this
        request are removed, since no row will point at them."""
        forget_stored_files()
        if isinstance(exc, StoreRefused):
            flash(str(exc), "error")
            return True
        return super().handle_view_exception(exc)


class StoreRefused(Exception):
    """The attachment store could not take the files: the save is rolled back."""


#: On the form when the store does not answer; the record is not saved either.
STORE_DOWN = _l("Attach files: the attachment store cannot be reached at the moment, so "
                "nothing was saved (neither the record nor its files). Your input is "
                "still in the form; choose the files again and save in a few minutes, "
                "or tell the system administrator if this persists.")
STORED_IN_REQUEST = "attachments_stored"


def forget_stored_files() -> None:
    """Remove the objects this request stored (best effort: an object left behind has
    a random name and no row, so nobody can reach it)."""
    for token in g.pop(STORED_IN_REQUEST, ()):
        try:
            current_store().delete(token)
        except StoreUnavailable as exc:
            current_app.logger.warning("could not remove unsaved attachment %s: %s",
                                       token, exc)


def send_attachment(model, record, attachment, opened):
    """The answer carrying an opened attachment, for every door (the screens' route, the
    API): its type decided from the stored bytes (also for rows stored with an
    uploader's type), the download audited and committed, the body streamed in bounded
    blocks and closed when it is sent or the client goes away (the WSGI server closes
    the response): no connection to the store and no file stays open. The session,
    committed here, is released by the request's teardown, not by the body."""
    try:
        content_type = served_type(attachment.filename, opened.head(SIGNATURE_BYTES))
        record_event("download", model=model.__tablename__, record_id=record.id,
                     changes={"file": attachment.filename})
        db.session.commit()
    except BaseException:
        opened.close()
        raise
    response = send_file(opened, mimetype=content_type,
                         as_attachment=content_type not in INLINE_TYPES,
                         download_name=attachment.filename, conditional=False, etag=False)
    response.content_length = opened.size
    response.call_on_close(opened.close)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/files/<int:attachment_id>")
def download(attachment_id: int):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    attachment = db.session.get(Attachment, attachment_id)
    model = REGISTRY.get(attachment.owner_table) if attachment else None
    if model is None:
        refuse(404, None, attachment_id)
    record = visible_record(model, attachment.owner_id)
    try:
        opened = current_store().open(attachment.stored_name)
    except MissingObject:
        refuse(404, model, record.id)
    except StoreUnavailable as exc:
        current_app.logger.error("attachment store failed at download: %s", exc)
        db.session.rollback()
        page = render_template("error.html", code=503, message=_(
            "The attachment store cannot be reached at the moment. Please try again "
            "in a few minutes."))
        return page, 503, {"Retry-After": "30", "Cache-Control": "no-store"}
    return send_attachment(model, record, attachment, opened)
