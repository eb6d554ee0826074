"""RFC 9457 problem details: every refusal of the API, in the caller's language.

``{"type", "title", "status", "detail", "errors": [{"field", "message"}]}`` served as
``application/problem+json``. A record above the caller's clearance and a missing one
get the same body (``not_found``).
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

PROBLEM_TYPE = "application/problem+json"

#: Titles per status, translated when answered.
TITLES = {
    400: _l("The request could not be understood."),
    401: _l("A valid API token is required."),
    403: _l("You do not have permission to do this."),
    404: _l("There is no such page or record."),
    405: _l("This page cannot be opened this way."),
    406: _l("This resource answers in JSON only."),
    409: _l("The change conflicts with other data; nothing was changed."),
    412: _l("The record was changed after you read it; nothing was changed."),
    413: _l("The request is too large."),
    415: _l("Send the body as JSON (Content-Type: application/json)."),
    422: _l("Some values cannot be accepted; nothing was saved."),
    428: _l("Say which version you change: send If-Match with the record's version."),
    429: _l("Too many requests for this token; wait and try again."),
    500: _l("Something went wrong on our side; nothing was saved. Please try again."),
}


class FieldProblemSchema(Schema):
    field = fields.String(allow_none=True, metadata={
        "description": "The field (or query parameter, header) concerned; null: the "
                       "record as a whole."})
    message = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldProblemSchema))


class ApiProblem(Exception):
    """Raised anywhere in the API to answer with a problem; ``errors`` maps a field
    (None: the record) to its messages."""

    def __init__(self, status: int, detail: str | None = None,
                 errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail or "")
        self.status, self.detail = status, detail
        self.errors, self.headers = errors or {}, headers or {}


def problem(status: int, detail: str | None = None, errors: dict | None = None,
            headers: dict | None = None):
    """A problem+json response."""
    title = str(TITLES.get(status, TITLES[400 if status < 500 else 500]))
    body = {"type": "about:blank", "title": title, "status": status,
            "detail": str(detail) if detail else title}
    if errors:
        body["errors"] = [{"field": field, "message": str(message)}
                          for field, messages in errors.items()
                          for message in (messages if isinstance(messages, list | tuple)
                                          else [messages])]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def not_found():
    """The one answer for a missing record and for one above the caller's clearance."""
    return problem(404, _("There is no such page or record."))


def flatten(messages, prefix: str = "") -> dict:
    """marshmallow's nested ``{"json": {"field": [...]}}`` → ``{"field": [...]}``."""
    found: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = key if key not in ("json", "query", "headers", "_schema") else ""
            if key == "_schema":
                name = None
            path = f"{prefix}.{name}" if prefix and name else (name or prefix or None)
            for field, items in flatten(value, path or "").items():
                found.setdefault(field or None, []).extend(items)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict):
                for field, items in flatten(item, prefix).items():
                    found.setdefault(field, []).extend(items)
            else:
                found.setdefault(prefix or None, []).append(str(item))
    else:
        found.setdefault(prefix or None, []).append(str(messages))
    return found
