"""Files attached to records: uploaded with the record's form, served by one route.

The download route looks the owning record up through ``visible()`` and asks
``can(view)``, exactly as the record's own details page does; a file of a record
the user cannot see — or an id guessed or copied from elsewhere — answers 404.

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
from flask import Blueprint, redirect, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import MultipleFileField
from wtforms.validators import ValidationError

from attachment_store import upload_folder
from audit import record_event
from file_modes import write_private
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


def head_of(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(SIGNATURE_BYTES)


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
    """Write the bytes (owner-only), then the row with their SHA-256 and size, which
    backups, restores and ``attachments verify`` check the file against."""
    data = upload.read()
    token = secrets.token_hex(16)
    write_private(upload_folder() / token, data)
    filename = display_name(upload.filename)
    attachment = Attachment(
        owner_table=record.__tablename__, owner_id=record.id,
        filename=filename, stored_name=token,
        content_type=served_type(filename, data[:SIGNATURE_BYTES]), size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=current_user.id)
    db.session.add(attachment)
    return attachment


def attachments_of(record) -> list[Attachment]:
    return list(db.session.scalars(sa.select(Attachment).where(
        Attachment.owner_table == record.__tablename__, Attachment.owner_id == record.id)
        .order_by(Attachment.id)))


def render_links(view, context, record, name) -> Markup:
    items = [Markup('<li><a href="{}">{}</a> <small class="text-muted">{} KB</small></li>')
             .format(url_for("files.download", attachment_id=a.id), a.filename,
                     max(1, a.size // 1024)) for a in attachments_of(record)]
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

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        uploads = [u for u in (form.upload.data or ()) if getattr(u, "filename", "")]
        for upload in uploads:
            record_event("attach", model=model.__tablename__, record_id=model.id,
                         changes={"file": store(model, upload).filename})
        if uploads:
            db.session.commit()


@bp.get("/files/<int:attachment_id>")
def download(attachment_id: int):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    attachment = db.session.get(Attachment, attachment_id)
    model = REGISTRY.get(attachment.owner_table) if attachment else None
    if model is None:
        refuse(404, None, attachment_id)
    record = visible_record(model, attachment.owner_id)
    path = upload_folder() / attachment.stored_name
    if not path.is_file():
        refuse(404, model, record.id)
    # Decided from the bytes on disk, also for rows stored with an uploader's type.
    content_type = served_type(attachment.filename, head_of(path))
    filename = attachment.filename
    record_event("download", model=model.__tablename__, record_id=record.id,
                 changes={"file": filename})
    db.session.commit()
    # send_file of a path: the server closes the file when the body is sent, and the
    # session (committed above) is released by the request's teardown, not the body.
    response = send_file(path, mimetype=content_type,
                         as_attachment=content_type not in INLINE_TYPES,
                         download_name=filename, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
