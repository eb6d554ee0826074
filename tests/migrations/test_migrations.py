"""``flask db upgrade`` on an empty database builds exactly the models' schema."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db
from models.indexes import is_search_structure


def _not_search_structure(obj, name, type_, reflected, compare_to):
    """FTS5 tables and trigram indexes are made by migration 0006, not by the models."""
    return not is_search_structure(name)


def test_upgraded_schema_matches_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": _not_search_structure})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_registered_model_has_its_table(app):
    with app.app_context(), db.engine.connect() as connection:
        tables = set(db.inspect(connection).get_table_names())
    assert {"department", "app_user", "customer", "contract", "complaint", "penalty",
            "return_slip", "return_line", "archive_file", "loan"} <= tables


def _partial_indexes_in_database(connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"))
    else:
        rows = connection.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '% WHERE %'"))
    return {name for (name,) in rows}


def test_partial_indexes_are_partial_in_the_database(app):
    """compare_metadata does not compare an index's WHERE: check it here, since a
    full index where the model declares a partial one changes plans (and a partial
    unique index is a business rule: one open loan per file)."""
    declared = {index.name for table in db.metadata.tables.values()
                for index in table.indexes
                if index.dialect_options["sqlite"]["where"] is not None}
    with app.app_context(), db.engine.connect() as connection:
        assert _partial_indexes_in_database(connection) == declared
