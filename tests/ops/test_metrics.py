"""Optional Prometheus metrics: off by default, local or with a token when on."""
from __future__ import annotations

import pytest

from app import create_app

from ..conftest import TEST_CONFIG


def build(app, tmp_path, **config):
    return create_app({**TEST_CONFIG, **config,
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})


@pytest.fixture
def metered(app, tmp_path):
    return build(app, tmp_path, METRICS=True, METRICS_TOKEN="scrape-token-2026")


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_enabled_metrics_count_requests_latency_and_pool(metered, world):
    client = metered.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'records_http_requests_total{endpoint="health.healthz",method="GET",' \
           'status="200"} 1.0' in text
    assert 'records_http_request_duration_seconds_count{endpoint="health.readyz",' \
           'method="GET"} 1.0' in text
    # /readyz borrowed a connection and gave it back: none is lent out now.
    assert "records_db_pool_checked_out 0.0" in text
    assert response.headers["Cache-Control"] == "no-store"


def test_refused_from_another_address_without_the_token(metered):
    client = metered.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    wrong = {"Authorization": "Bearer guessed"}
    assert client.get("/metrics", environ_base=outside, headers=wrong).status_code == 403
    token = {"Authorization": "Bearer scrape-token-2026"}
    assert client.get("/metrics", environ_base=outside, headers=token).status_code == 200


def test_a_proxied_request_is_not_local(app, tmp_path):
    """Behind nginx on the same machine everyone arrives from 127.0.0.1."""
    client = build(app, tmp_path, METRICS=True).test_client()
    assert client.get("/metrics").status_code == 200
    proxied = {"X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=proxied).status_code == 403
