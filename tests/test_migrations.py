"""``flask db upgrade`` on an empty database builds exactly the models' schema."""
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
