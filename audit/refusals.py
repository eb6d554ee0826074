"""Refusals and failed requests: each request leaves at most one audit event about them.

What is recorded:

* a refused access (403, or a 404 that hides a record): ``record_refusal``, at once;
* a workflow step the policy refuses, and ids of a bulk action (a step, delete) that
  the user cannot see: ``note_refusal``, written when the response leaves;
* a failed request — 400 (a missing or wrong CSRF token, a malformed request), 405,
  413, 500 — with its method, path and user: written when the response leaves.

Why written apart: a refusal ends in a rollback (the step is not applied, the request
fails), and an event queued in the request's transaction would go with it. So the
event is committed in a session and transaction of its own, after the request's
session has been rolled back (on SQLite a write still open there would block it).

Why one per request: everything refused in one request folds into one event (a bulk
action on 10,000 hidden ids is one event naming the first ``MAX_IDS`` and the count),
so recording cannot be used to flood the log faster than requests arrive. And it
cannot fail the request: an error while writing is logged, the response goes out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g, got_request_exception, has_request_context, request
from sqlalchemy.orm import Session

from models import REGISTRY, db
from models.mixins import Classified

from .trail import Pending, _clean, _queue, _who, max_level

#: Answers of a request that failed: written as a ``request_failed`` event.
FAILED_STATUSES = (400, 405, 413, 500)
#: Ids named in one event; the rest are counted.
MAX_IDS = 50
#: Where the request's refusal waits for the response (``flask.g``).
G_KEY = "audit_refusal"
#: Set once this request's event is written: later refusals of it are not recorded.
G_WRITTEN = "audit_refusal_written"


@dataclass
class Refusal:
    """What one request was refused, gathered until its response leaves."""

    status: int
    attempt: str | None = None
    model: str | None = None
    ids: list[str] = field(default_factory=list)
    count: int = 0
    who: dict = field(default_factory=dict)

    def add(self, record_ids) -> None:
        for raw in record_ids:
            value = "".join(str(_clean(raw, 64)).split())  # ids are listed space-separated
            if value in self.ids:
                continue
            self.count += 1
            if len(self.ids) < MAX_IDS:
                self.ids.append(value)

    def pending(self, action: str = "refused", **notes) -> Pending:
        changes = {"status": self.status, "path": _request_path(), **notes}
        if self.attempt:
            changes["attempt"] = _clean(self.attempt, 60)
        if len(self.ids) > 1:
            changes["ids"] = " ".join(self.ids)  # text: the log shows lists as old → new
        if self.count > len(self.ids):
            changes["count"] = self.count
        return Pending(action=action, model=self.model,
                       record_id=self.ids[0] if len(self.ids) == 1 else None,
                       changes=changes, who=self.who or _who())


def _request_path() -> str | None:
    return _clean(request.full_path, 500) if has_request_context() else None


def note_refusal(attempt: str | None, *, model: str | None = None, record_ids=(),
                 status: int = 403) -> None:
    """Remember that this request was refused ``attempt`` (a step's name, ``delete``) on
    ``record_ids``; written once, when the response leaves. Outside a request (a
    command), written at once."""
    if not has_request_context():
        refusal = Refusal(status, attempt, model)
        refusal.add(record_ids)
        write_apart(refusal.pending())
        return
    if g.get(G_WRITTEN):
        return
    refusal = g.get(G_KEY)
    if refusal is None:
        refusal = Refusal(status, attempt, model, who=_who())
        setattr(g, G_KEY, refusal)
    refusal.add(record_ids)


def _as_pk(text) -> int | None:
    """An id from request text by the secure views' rule (ASCII digits only: ``²``, ``①``
    and ``٣`` name no record), imported here late: the views import this module."""
    from admin_views.secure import parse_pk

    return parse_pk(text)


def note_unseen(model, raw_ids, query, attempt: str | None) -> None:
    """A bulk action's ids that ``query`` (the user's visible rows) does not find:
    hidden, or no record at all — the same answer, as for a single record."""
    pks = {str(raw): _as_pk(raw) for raw in raw_ids}
    wanted = {pk for pk in pks.values() if pk is not None}
    found = {row[0] for row in query.filter(model.id.in_(wanted)).with_entities(
        model.id)} if wanted else set()
    unseen = [raw for raw, pk in pks.items() if pk is None or pk not in found]
    if unseen:
        note_refusal(attempt, model=model.__tablename__, record_ids=unseen, status=404)


def record_refusal_now(status: int, *, model: str | None = None, record_id=None) -> None:
    """A refusal that ends the request now (403, or a 404 that hides a record): rolled
    back first — nothing else of the request may be saved — then written at once,
    with whatever else this request was refused folded in."""
    db.session.rollback()
    if has_request_context():
        if g.get(G_WRITTEN):
            return
        earlier = g.pop(G_KEY, None)
        refusal = Refusal(status, None, model, who=_who())
        refusal.add([] if record_id is None else [record_id])
        if earlier is not None and earlier.model == model:
            refusal.add(earlier.ids)
        setattr(g, G_WRITTEN, True)
        write_apart(refusal.pending())
        return
    refusal = Refusal(status, None, model)
    refusal.add([] if record_id is None else [record_id])
    write_apart(refusal.pending())


def _level_of_ids(session, pending: Pending) -> str | None:
    """An event naming several records is as confidential as the highest of them."""
    model = REGISTRY.get(pending.model)
    ids = [pk for pk in map(_as_pk, str(pending.changes.get("ids", "")).split())
           if pk is not None]
    if model is None or not issubclass(model, Classified) or not ids:
        return None
    table = model.__table__
    return max_level(*session.scalars(sa.select(table.c.level).where(
        table.c.id.in_(ids))))


def write_apart(pending: Pending) -> bool:
    """Commit one event in a session of its own; never raise (log instead)."""
    try:
        with Session(db.engine) as session:
            pending.level = max_level(pending.level, _level_of_ids(session, pending))
            _queue(session, pending)
            session.commit()
        return True
    except Exception:  # noqa: BLE001 - recording must not fail the request
        path = str(pending.changes.get("path") or "").partition("?")[0]  # no query
        current_app.logger.exception("Could not write an audit event: %s %s",
                                     pending.action, path)
        return False


# -- the request hooks ----------------------------------------------------------------

def _failed_request_target() -> tuple[str | None, list[str]]:
    """The record a failed request was about, if its URL names one (a model screen and
    ``?id=``): the event then takes that record's level, as a refusal does."""
    endpoint = request.endpoint
    if endpoint is None:  # not routed (405): which screen would the path be on?
        try:
            endpoint, _args = current_app.url_map.bind_to_environ(request.environ) \
                .match(method="GET")
        except Exception:  # noqa: BLE001 - no screen at all
            endpoint = ""
    model = endpoint.rpartition(".")[0]
    model = model if model in REGISTRY else None
    raw = request.args.get("id")
    return (model, [raw]) if model is not None and raw else (model, [])


def _note_exception(sender, exception, **extra) -> None:
    """The class of an unhandled exception (the 500's cause) names it in the event;
    its text stays in the application log (it may quote data)."""
    if has_request_context():
        g.audit_exception = type(exception).__name__


def write_request_refusal(response):
    """After each request: write its refusal, or its failure, as one event."""
    refusal = g.pop(G_KEY, None)
    failed = response.status_code in FAILED_STATUSES
    if g.get(G_WRITTEN) or (refusal is None and not failed):
        return response
    setattr(g, G_WRITTEN, True)
    try:
        db.session.rollback()  # a failed request saves nothing; nor may it block us
    except Exception:  # noqa: BLE001 - a broken connection: the write below says so
        current_app.logger.exception("Rollback before an audit event failed")
    if failed:
        model, ids = _failed_request_target()
        failure = refusal or Refusal(response.status_code, model=model, who=_who())
        failure.status = response.status_code
        if refusal is None:
            failure.add(ids)
        notes = {"method": request.method}
        if g.get("audit_exception"):
            notes["error"] = g.audit_exception
        write_apart(failure.pending("request_failed", **notes))
    else:
        write_apart(refusal.pending())
    return response


def init_app(app) -> None:
    app.after_request(write_request_refusal)
    got_request_exception.connect(_note_exception, app, weak=False)
