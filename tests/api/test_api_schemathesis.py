"""The whole API tested from its own OpenAPI document (Schemathesis, property-based).

A world of its own (writes must not disturb the shared one), on SQLite and PostgreSQL;
a clerk's read-write token against records of every level. For every operation,
Schemathesis generates valid (positive) and invalid (negative) requests from the
document; each answer must be no 5xx, a documented status and content type, a body and
headers that match the document, a 4xx for invalid input, and must hold no marker of
a record above the clerk's clearance or outside their scope (``policy_oracle.sees``).
Bounded: ``EXAMPLES`` cases per operation and mode (about a minute per database).
"""
from __future__ import annotations

import pytest
import schemathesis
from flask_migrate import upgrade
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from models import db

from ..api_support import bearer, make_token
from ..conftest import TEST_CONFIG, fresh_database
from ..policy_oracle import sees
from ..world import build_world

EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
CHECKS = {
    GenerationMode.POSITIVE: [not_a_server_error, status_code_conformance,
                              content_type_conformance, response_schema_conformance,
                              response_headers_conformance],
    GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance,
                              content_type_conformance, response_schema_conformance,
                              negative_data_rejection],
}
CLERK = "clerk.sales"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request, tmp_path_factory):
    """(app, world, the clerk's token) on a database of its own."""
    url_source = fresh_database(request, tmp_path_factory, "fuzz")
    url = next(url_source)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("fuzz_uploads")),
                      "API_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        upgrade(revision="heads")
        world = build_world()
        db.session.commit()
    yield app, world, make_token(app, world.users[CLERK])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    next(url_source, None)


def test_every_operation_from_the_document(fuzzed):
    app, world, token = fuzzed
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    hidden = [row.marker for row in world.rows if not sees(CLERK, row)]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    tried = {"cases": 0, "operations": len(operations)}

    def fuzz(operation, mode):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES[mode], deadline=None, database=None,
                  derandomize=True, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case):
            table = operation.path.split("/")[3]
            ids = [row.id for row in world.rows_of(table)]
            drawn = (case.path_parameters or {}).get("record_id")
            if ids and isinstance(drawn, int) and drawn % 4:  # mostly real rows, any level
                case.path_parameters["record_id"] = ids[drawn % len(ids)]
            response = case.call_and_validate(headers=bearer(token), checks=CHECKS[mode])
            tried["cases"] += 1
            tried[response.status_code] = tried.get(response.status_code, 0) + 1
            leaked = [marker for marker in hidden if marker in response.text]
            assert not leaked, f"{case.method} {case.formatted_path}: {leaked}"
        run()

    for operation in operations:
        for mode in EXAMPLES:
            fuzz(operation, mode)
    print(f"schemathesis: {tried}")
