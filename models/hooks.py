"""Database hooks: declared where they belong, installed by ``create_app``.

A hook is an SQLAlchemy event listener on the session, the mappers or the engines
(numbering on flush, locked decisions, the audit trail, the row filter, connection
settings). Declared with ``@hook(target, event)`` instead of
``@event.listens_for``, importing the module only adds it to :data:`HOOKS`; nothing
listens until ``install_hooks()`` — called by ``create_app`` — so a script, a test or
a tool can import any module without changing how every session in the process
behaves, and the app says in one place when the rules start to apply.

Hooks are installed in the order they were declared, which is the import order, as
``listens_for`` at import did: several listeners of one event (``before_flush``) run in
that order. ``install_hooks()`` is idempotent: a second app, or a module imported
after the first call, installs only what is not installed yet.

Not here: ``models.mixins._numbers_are_finite`` listens to ``Column`` attachment,
which happens while the model classes are declared, before any app exists.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Mapper


@dataclass(frozen=True)
class Hook:
    target: object
    """What is listened to: ``Session``, ``Mapper``, ``Engine`` (the class: every
    session, mapper or engine)."""
    identifier: str
    """The SQLAlchemy event name, e.g. ``"before_flush"``."""
    fn: Callable
    """The listener."""
    options: dict = field(default_factory=dict, hash=False, compare=False)
    """Keyword options of ``event.listen`` (``retval=True``)."""


#: Every hook declared so far, in declaration order.
HOOKS: list[Hook] = []


def hook(target, identifier: str, **options):
    """Decorator: declare ``fn`` as a listener of ``identifier`` on ``target``, to be
    installed by ``install_hooks()``."""
    def declare(fn):
        HOOKS.append(Hook(target, identifier, fn, options))
        return fn
    return declare


def installed(one: Hook) -> bool:
    return event.contains(one.target, one.identifier, one.fn)


def install_hooks() -> None:
    """Start every declared hook that is not listening yet (idempotent). The modules
    that declare the app's hooks are imported first, so none is forgotten."""
    import audit  # noqa: F401  (the audit trail)
    import models  # noqa: F401  (numbering, decisions, settings, connection settings)
    import permissions  # noqa: F401  (the row filter, the net under account changes)

    from .base import db

    for one in HOOKS:
        if installed(one):
            continue
        event.listen(one.target, one.identifier, one.fn, **one.options)
        if one.target is Mapper and one.identifier == "mapper_configured":
            # Mappers configured before the hook listened (a module that inspected
            # the models at import) get it now, as they would have then.
            for mapper in db.Model.registry.mappers:
                if mapper.configured:
                    one.fn(mapper, mapper.class_)
