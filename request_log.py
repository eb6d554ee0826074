"""Structured logs: one JSON line per record, a request id on each, one access line.

Why: an operator with several workers (or servers) needs to find every line of one
request, and the audit event it wrote, from the id a user or the load balancer
reports. So each request gets an id:

* taken from the incoming ``X-Request-ID`` header only behind trusted proxies
  (``TRUSTED_PROXIES``, the same setting that trusts X-Forwarded-For) and only when
  it is a short safe token — anyone else could forge it to mix their lines into
  another request's, or inject text into the log;
* else generated (32 hex digits);
* returned in the ``X-Request-ID`` response header;
* attached to every log record of the request (``RequestIdFilter`` on the handler,
  so lines of any library's logger carry it too) and written with the request's
  audit events (``AuditEvent.request_id``, covered by the chain digest).

One access line per request (logger ``records.access``): method, path (never the
query string: searches and filters can hold names, telephone numbers), status,
duration in milliseconds, user id and client address. ``LOG_FORMAT=json`` (the
default) writes JSON lines through python-json-logger; ``LOG_FORMAT=text`` a plain
line for a person at a terminal.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

#: What an incoming request id may look like: letters, digits, ``-_.:``, 1-64 long.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
HEADER = "X-Request-ID"
access_log = logging.getLogger("records.access")

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def make_formatter(kind: str) -> logging.Formatter:
    if kind == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time",
                                                     "levelname": "level",
                                                     "name": "logger"},
                         json_ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """One handler on the root logger (stderr: gunicorn and systemd collect it).

    The root logger's level is left alone (INFO there would make SQLAlchemy log every
    statement); our own loggers are set to INFO instead. Calling it again (tests build
    many apps) replaces the handler rather than adding a second.
    """
    kind = app.config.get("LOG_FORMAT", "json")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "records_handler", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.records_handler = True
    handler.setFormatter(make_formatter(kind))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    app.logger.removeHandler(default_handler)  # else each app line is written twice
    app.logger.setLevel(logging.INFO)
    access_log.setLevel(logging.INFO)


def incoming_request_id(app: Flask) -> str | None:
    """The proxy's request id when proxies are trusted and it looks harmless."""
    if not app.config.get("TRUSTED_PROXIES"):
        return None
    value = request.headers.get(HEADER, "")
    return value if SAFE_REQUEST_ID.fullmatch(value) else None


def _user_id() -> int | None:
    """The user already loaded for this request; never a query of its own (the access
    line is written after a database failure too)."""
    user = g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def install(app: Flask) -> None:
    """Register first, so the clock and the id exist before any other hook runs."""
    configure_logging(app)

    @app.before_request
    def begin_request():
        g.request_started = time.perf_counter()
        g.request_id = incoming_request_id(app) or uuid.uuid4().hex

    @app.after_request
    def end_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        access_log.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"method": request.method, "path": request.path,
                   "status": response.status_code, "duration_ms": duration,
                   "user_id": _user_id(), "remote_addr": request.remote_addr})
        return response
