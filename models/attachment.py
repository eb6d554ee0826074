from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db
from .mixins import utcnow


class Attachment(db.Model):
    """A file attached to a record (an archive scan, a complaint's phone recording).

    The bytes live in the attachment store (``attachment_store.py``: the private
    upload folder, or a private S3 bucket shared by several servers), never in a
    static folder or behind a public link, named by a random token (``stored_name``,
    also the object's key); they are served only by ``admin_views/attachments.py``,
    which asks the owning record's rules first. The owner is (table, id): one table serves every
    record type that declares ``attachments_allowed``.
    """

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_table: Mapped[str] = mapped_column(String(40), info={"label": _l("Record type")})
    owner_id: Mapped[int] = mapped_column(info={"label": _l("Record")})
    filename: Mapped[str] = mapped_column(String(200), info={"label": _l("File name")})
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(info={"label": _l("Size")})
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow,
                                                  info={"label": _l("Uploaded at")})

    __table_args__ = (sa.Index("ix_attachment_owner", "owner_table", "owner_id"),)
