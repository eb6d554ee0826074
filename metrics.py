"""Optional Prometheus metrics at ``/metrics``: requests, latency, pooled connections.

Off unless ``METRICS=1``: then ``/metrics`` exists (else it is a 404 like any unknown
page). It answers only a request from the loopback address that came through no
proxy, or one that presents ``Authorization: Bearer <METRICS_TOKEN>``: the figures
name every endpoint and its traffic, which is nobody's business outside. Behind
nginx on the same machine every request comes from 127.0.0.1, so a request carrying
``X-Forwarded-For`` counts as proxied, never as local.

Metrics, through the maintained ``prometheus-client``:

* ``records_http_requests_total{method, endpoint, status}`` — the endpoint is the
  Flask endpoint name (bounded), never the path (ids and search words would make a
  series per record);
* ``records_http_request_duration_seconds{method, endpoint}`` — a histogram;
* ``records_db_pool_checked_out`` — database connections lent out of the pool now
  (pool ``checkout``/``checkin`` events).

gunicorn with several workers: each worker counts on its own. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder writable by the workers (emptied
at each start, e.g. ``RuntimeDirectory=`` of the systemd unit) before gunicorn starts;
every worker then writes its figures there and ``/metrics`` sums them. The gunicorn
config's ``child_exit`` hook should call
``prometheus_client.multiprocess.mark_process_dead(worker.pid)``.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event

from models import db

EXTENSION = "records_metrics"


class Metrics:
    """One application's metrics, in a registry of its own (tests build many apps)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("records_http_requests_total", "HTTP requests answered",
                                ["method", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram("records_http_request_duration_seconds",
                                 "Time to answer an HTTP request",
                                 ["method", "endpoint"], registry=self.registry)
        self.pool_checked_out = Gauge(
            "records_db_pool_checked_out", "Database connections lent out of the pool",
            registry=self.registry, multiprocess_mode="livesum")

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def is_local_unproxied() -> bool:
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def has_token() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def install(app: Flask) -> None:
    if not app.config.get("METRICS"):
        return
    metrics = app.extensions[EXTENSION] = Metrics()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", lambda *args: metrics.pool_checked_out.inc())
    event.listen(engine, "checkin", lambda *args: metrics.pool_checked_out.dec())

    @app.after_request
    def count_request(response):
        endpoint = request.endpoint or "unmatched"
        metrics.requests.labels(request.method, endpoint, str(response.status_code)).inc()
        started = g.get("request_started")  # request_log's clock
        if started is not None:
            metrics.latency.labels(request.method, endpoint).observe(
                time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def prometheus_metrics():
        if not (has_token() or is_local_unproxied()):
            abort(403)
        return Response(metrics.exposition(), mimetype=CONTENT_TYPE_LATEST,
                         headers={"Cache-Control": "no-store"})
