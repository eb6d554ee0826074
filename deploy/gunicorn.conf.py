"""gunicorn settings of an application server (``deploy/records.service`` uses them).

    gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'

Every value can be set from the environment file (``deploy/records.env.example``), so
the same file serves every machine. Graceful by design: ``systemctl reload records``
sends HUP, which starts new workers (new code, new settings) and lets the old ones
finish their requests; a stop (TERM) stops accepting at once and gives requests in
progress ``graceful_timeout`` seconds. Behind nginx (``deploy/nginx/``) a request that
could not reach a stopping server is retried on the other one (``proxy_next_upstream``),
so a restart loses nothing (``deploy/prove.py`` measures it).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
"""Where nginx reaches this server: a loopback or private address, never public."""
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
"""Sync workers: each holds one request and at most one pooled database connection
at a time, so workers x machines must stay under PostgreSQL's max_connections."""
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
"""A worker silent this long is restarted: the slowest legitimate request is a large
export, streamed, which keeps the worker busy but answering."""
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
"""Seconds a stopping or reloading worker has to finish its request."""
keepalive = 5
"""nginx keeps upstream connections only when told; sync workers close after each
response anyway."""
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
"""Workers are renewed now and then (gracefully) so that no slow growth piles up."""
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
"""Which proxy may say the request was HTTPS; the application's own TRUSTED_PROXIES
decides the client address (app.py, ProxyFix)."""
accesslog = None
"""The application writes one JSON access line per request (request_log.py)."""
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "records")
control_socket_disable = True
"""gunicorn 25+ opens a control socket at one default path per user
($XDG_RUNTIME_DIR/gunicorn.ctl): two servers of one account would share it. systemd
(reload = HUP, stop = TERM) is the control here."""


def child_exit(server, worker):
    """Prometheus multiprocess mode (METRICS=1 with PROMETHEUS_MULTIPROC_DIR): a worker
    that ends leaves its figures to be summed, not counted as live."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
