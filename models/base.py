"""The SQLAlchemy handle, the declarative base and the model registry.

Every business model registers itself by subclassing :class:`Model`; the admin
generator and the permission matrix read :data:`REGISTRY` instead of a list
that someone must remember to update.
"""
from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


#: Stable constraint names, so Alembic migrations are identical on SQLite and
#: PostgreSQL and a constraint can be named in an error message.
def _check_name(constraint, table) -> str:
    """A CHECK's own name, or for an enum's CHECK the name of its column."""
    if isinstance(constraint.name, str) and constraint.name:
        return constraint.name
    return next(iter(constraint.columns)).name


NAMING_CONVENTION = {
    "check_name": _check_name,
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(check_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

#: table name -> model class, in declaration order. Filled by ``Model``.
REGISTRY: dict[str, type] = {}


class Model(db.Model):
    """Abstract base of every model that gets an admin screen.

    Subclasses declare an inner ``Admin`` class (labels, list columns, search,
    filters, form order) that the generator in ``admin_views`` reads.
    """

    __abstract__ = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("__abstract__", False) and "__tablename__" in cls.__dict__:
            REGISTRY[cls.__tablename__] = cls
