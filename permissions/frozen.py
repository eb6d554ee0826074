"""A remembered statement sent as finished SQL text: its values written in, once.

The home page's two statements (every figure's capped count, the work queue) are
remembered per user's rules (``scoping.remembered``), so they are built once; but each
run still cost what their size costs. Each carries some five hundred bound values (the
user's rules repeated in every figure, the codes of every status list), and on every
run SQLAlchemy walked the statement for its cache key, processed each value and
rewrote each ``IN`` list into the SQL text, and psycopg, given 20 KB of text with
hundreds of placeholders (too long for its own cache), parsed it again to number them.
That was a fifth of the page.

Everything those values are is fixed by the key they are remembered under (the user's
rules, the date, the grants in force), so the SQL text is made once, values written
in by SQLAlchemy's own literal rendering (its quoting, per dialect), and sent as it is.
The values read each time the statement runs (a bound parameter with a ``callable_``:
``models.service_clock.moment_param``, "now") stay parameters.

The rules are not loosened: the text is used only when the statement carries the
request's own loader criteria (``scoping.carries_request_rules``), which it was
compiled with; otherwise it runs through the ORM, whose hook adds them.
"""
from __future__ import annotations

import re
import secrets
from collections import namedtuple
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import CompileError
from sqlalchemy.sql.base import NO_ARG
from sqlalchemy.sql.elements import BindParameter

from models import db

from .scoping import carries_request_rules

#: What a value read at each run stands for in the text until it is made a parameter.
#: Unguessable: a value written in that contained it would otherwise be taken for it.
_NONCE = secrets.token_hex(8)
_MARK = f"__frozen_{_NONCE}_{{}}__"
_MARKS = re.compile(rf"__frozen_{_NONCE}_(\d+)__")


class FrozenSQL:
    """A statement's SQL text for one dialect, its fixed values written in."""

    def __init__(self, statement, dialect):
        compiler = _compiler_class(dialect.statement_compiler)(
            dialect, statement, compile_kwargs={"literal_binds": True})
        live, text = compiler.live, compiler.string
        #: For each placeholder of the text, in order: which live value it takes.
        self.order = [int(found) for found in _MARKS.findall(text)]
        numbers = iter(range(len(self.order)))
        self.text = _MARKS.sub(lambda _m: _placeholder(dialect, f"frozen_{next(numbers)}"),
                               text)
        self.live = [(bind.callable, bind.type.dialect_impl(dialect).bind_processor(dialect))
                     for bind in live]
        self.positional = dialect.positional
        columns = list(statement.selected_columns)
        #: The rows' type: the statement's column labels (as ``Row`` attributes).
        self.row = namedtuple("FrozenRow", [c.key for c in columns], rename=True)
        self.results = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                        for c in columns]
        self.converted = any(process is not None for process in self.results)

    def parameters(self):
        """The live values, as the DB-API takes them (each converted by its type)."""
        values = []
        for read, process in self.live:
            value = read()
            values.append(process(value) if process is not None else value)
        if self.positional:
            return tuple(values[index] for index in self.order)
        return {f"frozen_{position}": values[index]
                for position, index in enumerate(self.order)}

    def rows(self, connection) -> list:
        """Run the text on ``connection``: its rows, each value as SQLAlchemy would
        have given it (a date of SQLite's text a ``date``)."""
        fetched = connection.exec_driver_sql(self.text, self.parameters()).all()
        make, results = self.row._make, self.results
        if not self.converted:
            return [make(row) for row in fetched]
        return [make(value if process is None else process(value)
                     for process, value in zip(results, row, strict=True))
                for row in fetched]


@cache
def _compiler_class(dialect_class_compiler):
    """The dialect's statement compiler, writing every value in (``literal_binds``) but
    a value read at each run, which it marks (``_MARK``) and lists (``live``)."""

    class FrozenCompiler(dialect_class_compiler):
        def __init__(self, *args, **kwargs):
            self.live: list[BindParameter] = []
            super().__init__(*args, **kwargs)

        def render_literal_bindparam(self, bindparam, render_literal_value=NO_ARG,
                                     **kwargs):
            if bindparam.callable is not None and render_literal_value is NO_ARG:
                self.live.append(bindparam)
                return _MARK.format(len(self.live) - 1)
            return super().render_literal_bindparam(
                bindparam, render_literal_value=render_literal_value, **kwargs)

    return FrozenCompiler


def _placeholder(dialect, name: str) -> str:
    """The dialect's placeholder for a parameter named ``name``."""
    return str(sa.bindparam(name).compile(dialect=dialect))


def remembered_rows(statement) -> list:
    """The rows of ``statement`` (remembered, built with ``scoping.scoped``), read on
    the request's session: through its frozen SQL text when it carries the request's
    own rules, else through the ORM (whose hook then adds them). Each row gives its
    values by the statement's column labels, as ``session.execute`` rows do."""
    session = db.session
    if carries_request_rules(statement):
        connection = session.connection()
        frozen = _frozen(statement, connection.dialect)
        if frozen is not None:
            return frozen.rows(connection)
    return session.execute(statement).all()


def _frozen(statement, dialect) -> FrozenSQL | None:
    """The statement's frozen text for ``dialect``, made at its first run and kept on
    the statement; None when a value has no literal form (it then runs as it is)."""
    cache = statement.__dict__.setdefault("_frozen_sql", {})
    key = id(dialect)
    if key not in cache:
        try:
            cache[key] = FrozenSQL(statement, dialect)
        except CompileError:
            cache[key] = None
    return cache[key]
