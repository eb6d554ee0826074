"""The JSON API at ``/api/v1``: a door like the screens, on the same core.

Built with flask-smorest: its ``Blueprint`` takes our generated marshmallow schemas
(``api/schemas.py``), webargs validates every query and body against them, and
apispec writes the OpenAPI 3.1 document from the same schemas at
``/api/v1/openapi.json``; ``/api/v1/docs`` is Swagger UI 5, its files served from the
installed ``flask-swagger-ui`` package (no CDN; the page's script is a file, so the CSP
needs no exception).

Why flask-smorest: it builds on marshmallow and apispec, so the schemas we generate
from the model declarations are at once the validation of every request and the
document; its ``MethodView`` blueprints take views registered in a loop (one set per
model); it is maintained and runs on the Flask app we have (APIFlask would replace the
app class; spectree would need a second, pydantic, description of every model).

``init_app(app)`` is called by ``create_app`` before the hook that binds the request's
user to its queries: the token's user must be the request's user by then.
"""
from __future__ import annotations

import http
from pathlib import Path

from flask import Flask, current_app, render_template, request, send_from_directory
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from extensions import csrf
from models import REGISTRY

from . import auth
from .problems import PROBLEM_TYPE, ApiProblem, ProblemSchema, flatten, problem
from .resources import exposed, register
from .schemas import DecimalText

#: Largest request body the API reads (a record is a few kilobytes).
MAX_BODY = 64 * 1024


class ProblemApi(Api):
    """flask-smorest's Api, answering errors as RFC 9457 problems (``api/problems``);
    the app's error handlers do that for API paths, so none are added here."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        """Every status a decorator names (the parser's 422) and ``PROBLEM_<code>``,
        each a problem+json."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
                prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
            if status >= 400:
                # Named by the views' own ``responses`` ($ref): always in the document.
                self.spec.components.response(f"PROBLEM_{status.value}", dict(response))


def _key_of_request() -> str:
    token = auth.current_token()
    return f"token:{token.digest[:24]}" if token is not None else f"address:{request.remote_addr}"


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Records office API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", "600 per minute")
    app.config.setdefault("API_MAX_BODY", MAX_BODY)
    app.config.setdefault("API_SPEC_OPTIONS", {
        "components": {"securitySchemes": {"token": {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token (rk_…), made on the API tokens screen."}}},
        "security": [{"token": []}],
        "servers": [{"url": "/"}],
    })
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")

    app.before_request(_first_of_all)  # appended: create_app calls this before the rest
    api = ProblemApi(app)
    api.register_field(DecimalText, "string", "decimal")
    blp = Blueprint("api", __name__, url_prefix="/api/v1",
                    description="Records of the office, as the caller may see them.")
    for model in REGISTRY.values():
        if exposed(model):
            register(blp, model)
    # One limiter per app: its limits are registered by blueprint name, so a shared one
    # would count a request once per app built in the process.
    limiter = Limiter(key_func=_key_of_request, default_limits=[], app=app)
    # Only the API is limited: a screen's request skips the limiter's look-up of the
    # limits of its endpoint and blueprint (none), which ran on every page.
    limiter.request_filter(_not_api_request)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"],
                  key_func=_key_of_request)(blp)
    csrf.exempt(blp)
    api.register_blueprint(blp)
    _docs_page(app)
    app.register_error_handler(ApiProblem, _answer_problem)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, _http_problem)


def _not_api_request() -> bool:
    return not auth.is_api_request()


def _first_of_all():
    auth.authenticate()
    if not auth.is_api_request():
        return
    request.max_content_length = current_app.config["API_MAX_BODY"]
    if auth.current_token() is None and not request.path.startswith(auth.PUBLIC):
        raise ApiProblem(401, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def _answer_problem(exc: ApiProblem):
    return problem(exc.status, exc.detail, exc.errors, exc.headers)


def _rate_limited(exc):
    if not auth.is_api_request():
        return exc
    return problem(429, headers={"Retry-After": "60"})


def http_problem(error: HTTPException):
    """An HTTP error of an API request as a problem (the app's handlers call it)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    errors = flatten(messages) if messages else None
    code = error.code or 500
    detail = None
    if error.description != type(error).description and not errors:
        detail = error.description
    headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
    return problem(code, detail, errors, headers)


def _http_problem(error: HTTPException):
    if not auth.is_api_request():
        return error
    return http_problem(error)


def _docs_page(app: Flask) -> None:
    """Swagger UI from the installed package, and our initializer (a file, not inline)."""
    import flask_swagger_ui  # its dist/ folder: Swagger UI 5 (OpenAPI 3.1)

    assets = Path(flask_swagger_ui.__file__).parent / "dist"
    here = Path(__file__).parent / "static"

    @app.get("/api/v1/docs")
    def api_docs():
        return render_template("api/docs.html")

    @app.get("/api/v1/docs/assets/<path:name>")
    def api_docs_asset(name: str):
        if name == "initializer.js":
            return send_from_directory(here, name, max_age=3600)
        return send_from_directory(assets, name, max_age=3600)
