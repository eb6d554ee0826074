"""What the core answers when it refuses: exceptions each door turns into its own reply
(a flashed message, a problem+json body, a CLI error)."""
from __future__ import annotations


class Refused(Exception):
    """The policy refuses the attempt: ``status`` 403 (may see, may not do) or 404
    (above clearance or missing: the two look alike). Already audited when raised."""

    def __init__(self, status: int, message: str = ""):
        super().__init__(message)
        self.status = status


class SaveRefused(Exception):
    """The values break a save rule. ``fields`` maps a field name (None: the record as
    a whole) to its messages, in the user's language. Nothing was saved."""

    def __init__(self, fields: dict[str | None, list[str]]):
        super().__init__(" ".join(m for messages in fields.values() for m in messages))
        self.fields = fields


class Stale(Exception):
    """The caller's version of the record is not the stored one: nothing was changed."""

    def __init__(self, record, seen):
        super().__init__(f"{type(record).__name__}: version {seen} is not the stored one")
        self.record = record
        self.seen = seen
