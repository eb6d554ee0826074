"""The API's endpoints, generated per registered model: nothing here names a model.

For each record type that the screens show (``models.REGISTRY``, ``Admin``) and that
does not opt out (``api_exposed = False``):

* ``GET  /api/v1/<table>``                      list (filters, ``q``, ``sort``, cursor)
* ``POST /api/v1/<table>``                      create (``services.saving.create``)
* ``GET  /api/v1/<table>/<id>``                 read (``ETag``: the version)
* ``PATCH /api/v1/<table>/<id>``                update, ``If-Match`` required (412 if stale)
* ``POST /api/v1/<table>/<id>/steps/<step>``    fire a step (``services.steps.fire``)
* ``GET  /api/v1/<table>/<id>/attachments[/<attachment id>]``  list and download

No DELETE: business records are never deleted. Every read starts from ``visible()``:
a record above the caller's clearance is the same 404 as a missing one; every refusal
is audited like on the screens, and every write is audited as the token's user.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from audit import record_refusal
from audit.refusals import note_refusal
from models import Attachment, db
from models.mixins import Classified, Owned, Versioned
from models.workflow import TransitionRefused
from permissions import can, visible
from permissions.scoping import actor
from services import Refused, SaveRefused, Stale, create, fire, update
from services.constraints import constraint_problem
from services.steps import available_steps, refusal_of

from .auth import current_token
from .listing import page
from .problems import ApiProblem, flatten, not_found, problem
from .schemas import (
    list_args_schema,
    page_schema,
    readable_columns,
    record_schema,
    step_schema,
    write_schema,
)

MAX_PK = 2**31 - 1
#: Problems every operation may answer (documented for each, as problem+json).
COMMON_PROBLEMS = (400, 401, 403, 404, 413, 429)


def exposed(model) -> bool:
    """Does the model get endpoints? Every business record (owned by a department or
    classified) the screens show, unless it says ``api_exposed = False``; other models
    only when they say ``api_exposed = True``. User accounts, departments and account
    changes stay on the screens, with their own rules (two-person account changes,
    passwords)."""
    if not hasattr(model, "Admin"):
        return False
    default = issubclass(model, (Owned, Classified))
    return bool(getattr(model, "api_exposed", default))


# -- helpers ---------------------------------------------------------------------------

def serialize(model, record, schema, detail: bool = False) -> dict:
    data = {c.key: getattr(record, c.key) for c in readable_columns(model)}
    if detail:
        data["display"] = str(record)
        if "steps" in schema._declared_fields:
            data["steps"] = [s.name for s in available_steps(current_user, record)]
    return schema().dump(data)


def load(model, pk: int):
    """The record if the caller may read it; else an audited 404 (missing or hidden)."""
    record = db.session.scalar(sa.select(model).where(
        model.id == pk, visible(actor(), model))) if 0 < pk <= MAX_PK else None
    if record is None or not can(actor(), "view", record):
        record_refusal(404, model=model.__tablename__, record_id=pk)
        raise ApiProblem(404)
    return record


def require_grant(model, action: str) -> None:
    if not can(actor(), action, model):
        record_refusal(403, model=model.__tablename__)
        raise ApiProblem(403)


def require_write(model, record_id=None) -> None:
    """A ``read`` token never writes, whatever its user may do."""
    token = current_token()
    if token is None or not token.writes:
        record_refusal(403, model=model.__tablename__, record_id=record_id)
        raise ApiProblem(403, _("This token may only read; make a read-write token to "
                                "change records."))


ETAG = re.compile(r'^\s*(?:W/)?"?([0-9]{1,10})"?\s*$')


def if_match(required: bool) -> int | None:
    """The version named by ``If-Match``; a 428 when it is required and missing, a 400
    naming the header when it is not a version."""
    raw = request.headers.get("If-Match")
    if raw is None:
        if required:
            raise ApiProblem(428, errors={"If-Match": [_(
                "If-Match: send the ETag of the record you read.")]})
        return None
    found = ETAG.match(raw)
    if not found:
        raise ApiProblem(400, errors={"If-Match": [_(
            "If-Match: not a version of this record; send the ETag you read.")]})
    return int(found.group(1))


def answer(model, record, status: int = 200):
    schema = record_schema(model)
    response = current_app.response_class(
        current_app.json.dumps(serialize(model, record, schema, detail=True)),
        status=status, mimetype="application/json")
    if isinstance(record, Versioned):
        response.headers["ETag"] = f'"{record.version_id}"'
    if status == 201:
        response.headers["Location"] = url_for(f"api.{model.__tablename__}_item",
                                               record_id=record.id)
    return response


def commit_or_problem(model, record, data=None) -> None:
    """Commit the caller's change; a conflict at commit is a problem, nothing saved."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiProblem(412) from None
    except IntegrityError as exc:
        db.session.rollback()
        field, message = constraint_problem(model, exc, typed=data or {})
        raise ApiProblem(409, message, errors={field: [message]} if message else None) \
            from None


def save_problem(exc: Exception):
    """The core's refusals as problems."""
    db.session.rollback()
    if isinstance(exc, Refused):
        return ApiProblem(exc.status, str(exc) or None)
    if isinstance(exc, Stale):
        return ApiProblem(412)
    return ApiProblem(422, errors=exc.fields)


# -- the generated views --------------------------------------------------------------

def register(blp, model) -> None:
    """Add the endpoints of ``model`` to the blueprint ``blp`` (flask-smorest)."""
    table = model.__tablename__
    one = record_schema(model)
    listed = page_schema(model, _list_item_schema(model))
    list_args = list_args_schema(model)
    creating = write_schema(model, creating=True)
    editing = write_schema(model, creating=False)
    step_values = step_schema(model)
    label = str(model.Admin.label_plural)
    problems = dict.fromkeys(COMMON_PROBLEMS)

    def documented(*extra):
        return {str(code): {"$ref": f"#/components/responses/PROBLEM_{code}"}
                for code in (*problems, *extra)}

    class Listing(MethodView):
        @blp.arguments(list_args, location="query")
        @blp.response(200, listed)
        @blp.doc(operationId=f"list_{table}", summary=f"List {table}",
                 description=f"{label}: the caller's visible rows.",
                 responses=documented(422))
        def get(self, args):
            require_grant(model, "list")
            rows, cursor = page(actor(), model, args)
            keys = [c.key for c in readable_columns(model)]
            return {"items": [{key: getattr(r, key) for key in keys} for r in rows],
                    "next_cursor": cursor}

        @blp.arguments(creating)
        @blp.response(201, one)
        @blp.doc(operationId=f"create_{table}", summary=f"Create {table}",
                 responses=documented(409, 415, 422))
        def post(self, data):
            require_write(model)
            try:
                record, _notes = create(current_user._get_current_object(), model, data)
            except (Refused, SaveRefused, Stale) as exc:
                raise save_problem(exc) from None
            commit_or_problem(model, record, data)
            return answer(model, record, 201)

    class Item(MethodView):
        @blp.response(200, one, headers={"ETag": {"schema": {"type": "string"}}}
                      if issubclass(model, Versioned) else None)
        @blp.doc(operationId=f"read_{table}", summary=f"Read one {table}",
                 responses=documented())
        def get(self, record_id):
            require_grant(model, "view")
            return answer(model, load(model, record_id))

        @blp.arguments(editing)
        @blp.response(200, one)
        @blp.doc(operationId=f"update_{table}", summary=f"Update one {table}",
                 parameters=[{"in": "header", "name": "If-Match", "required": True,
                              "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]+"?$'},
                              "description": "The ETag of the record you read."}],
                 responses=documented(409, 412, 415, 422, 428))
        def patch(self, data, record_id):
            require_grant(model, "edit")
            record = load(model, record_id)
            require_write(model, record_id)
            version = if_match(required=True)
            try:
                update(current_user._get_current_object(), record, data, version)
            except (Refused, SaveRefused, Stale) as exc:
                raise save_problem(exc) from None
            commit_or_problem(model, record, data)
            return answer(model, record)

    blp.add_url_rule(f"/{table}", f"{table}_list", view_func=Listing)
    blp.add_url_rule(f"/{table}/<int:record_id>", f"{table}_item", view_func=Item)

    if step_values is not None:
        names = [s.name for s in model.steps()]

        class Step(MethodView):
            @blp.arguments(step_values)
            @blp.response(200, one)
            @blp.doc(operationId=f"step_{table}", summary=f"Fire a step of one {table}",
                     parameters=[{"in": "header", "name": "If-Match", "required": False,
                                  "schema": {"type": "string",
                                             "pattern": r'^(W/)?"?[0-9]+"?$'}}],
                     responses=documented(409, 412, 415, 422))
            def post(self, values, record_id, step):
                return fire_step(model, record_id, step, values)

        blp.add_url_rule(f"/{table}/<int:record_id>/steps/<any({','.join(names)}):step>",
                         f"{table}_step", view_func=Step)

    if getattr(model, "attachments_allowed", False):
        files = _attachment_schema()

        class Files(MethodView):
            @blp.response(200, files(many=True))
            @blp.doc(operationId=f"attachments_{table}",
                     summary=f"Attachments of one {table}", responses=documented())
            def get(self, record_id):
                require_grant(model, "view")
                record = load(model, record_id)
                rows = db.session.scalars(sa.select(Attachment).where(
                    Attachment.owner_table == table, Attachment.owner_id == record.id)
                    .order_by(Attachment.id))
                return [{"id": a.id, "filename": a.filename, "size": a.size,
                         "content_type": a.content_type, "uploaded_at": a.uploaded_at}
                        for a in rows]

        class File(MethodView):
            @blp.doc(operationId=f"download_{table}",
                     summary=f"Download one attachment of one {table}",
                     responses={"200": {"description": "The file.", "content": {
                         "application/octet-stream": {"schema": {
                             "type": "string", "format": "binary"}}}}, **documented()})
            def get(self, record_id, attachment_id):
                require_grant(model, "view")
                return download(model, load(model, record_id), attachment_id)

        blp.add_url_rule(f"/{table}/<int:record_id>/attachments",
                         f"{table}_attachments", view_func=Files)
        blp.add_url_rule(f"/{table}/<int:record_id>/attachments/<int:attachment_id>",
                         f"{table}_attachment", view_func=File)


_ITEM_SCHEMAS: dict = {}


def _list_item_schema(model):
    """A list row: the record's columns (no text, no steps: those cost queries per row)."""
    if model not in _ITEM_SCHEMAS:
        from .schemas import _schema, column_field
        _ITEM_SCHEMAS[model] = _schema(f"{model.__name__}Row", {
            c.key: column_field(c, writing=False) for c in readable_columns(model)})
    return _ITEM_SCHEMAS[model]


_FILE_SCHEMA = []


def _attachment_schema():
    if not _FILE_SCHEMA:
        from marshmallow import fields

        from .schemas import UtcDateTime, _schema
        _FILE_SCHEMA.append(_schema("Attachment", {
            "id": fields.Integer(), "filename": fields.String(),
            "size": fields.Integer(), "content_type": fields.String(),
            "uploaded_at": UtcDateTime()}))
    return _FILE_SCHEMA[0]


# -- steps and downloads ---------------------------------------------------------------

def fire_step(model, record_id: int, name: str, body: dict):
    require_grant(model, name)
    record = load(model, record_id)
    require_write(model, record_id)
    if not can(actor(), name, record):
        note_refusal(name, model=model.__tablename__, record_ids=[record.id])
        raise ApiProblem(403, _("You may not do this on %(record)s.", record=record))
    version = if_match(required=False)
    if version is not None and isinstance(record, Versioned) \
            and version != record.version_id:
        raise ApiProblem(412)
    values = {key: _text(value) for key, value in body.items() if key != "lines"}
    for line_id, fields in (body.get("lines") or {}).items():
        for field, value in (fields or {}).items():
            values[f"line-{line_id}-{field}"] = _text(value)
    try:
        fire(current_user._get_current_object(), record, name, values)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiProblem(412) from None
    except (TransitionRefused, IntegrityError, DBAPIError) as exc:
        db.session.rollback()
        status = 409 if isinstance(exc, IntegrityError) else 422
        raise ApiProblem(status, refusal_of(record, exc)) from None
    return answer(model, record)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def download(model, record, attachment_id: int):
    from admin_views.attachments import send_attachment
    from attachment_store import MissingObject, StoreUnavailable, current_store

    attachment = db.session.scalar(sa.select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_table == model.__tablename__,
        Attachment.owner_id == record.id))
    if attachment is None:
        record_refusal(404, model=model.__tablename__, record_id=record.id)
        raise ApiProblem(404)
    try:
        opened = current_store().open(attachment.stored_name)
    except MissingObject:
        raise ApiProblem(404) from None
    except StoreUnavailable:
        db.session.rollback()
        raise ApiProblem(503, headers={"Retry-After": "30"}) from None
    return send_attachment(model, record, attachment, opened)


__all__ = ["register", "exposed", "problem", "not_found", "flatten"]
