"""The JSON API (/api/v1): tokens, the screens' policy, the core's rules, bad input."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from models import ApiToken, AuditEvent, Complaint, Customer, db
from models.clock import utcnow
from models.mixins import Classified

from ..api_support import bearer, fields_of, make_token, token_row
from ..sessions import sign_in


@pytest.fixture(scope="module")
def tokens(app, world):
    """username → a read-write token; ``read:<username>`` → a read token."""
    found = {name: make_token(app, uid) for name, uid in world.own_users().items()}
    found.update({f"read:{name}": make_token(app, uid, scope="read")
                  for name, uid in world.own_users().items()})
    return found


def get(client, tokens, who, path, **headers):
    return client.get(path, headers=bearer(tokens[who], **headers))


def test_the_document_is_openapi_3_1_generated_from_the_registry(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    for table in ("complaint", "customer", "archive_file", "loan"):
        assert f"/api/v1/{table}" in spec["paths"]
        assert f"/api/v1/{table}/{{record_id}}" in spec["paths"]
    assert "/api/v1/complaint/{record_id}/steps/{step}" in spec["paths"]
    assert "/api/v1/app_user" not in spec["paths"]  # accounts stay on the screens
    assert not any("delete" in ops for ops in spec["paths"].values())


def test_the_docs_page_is_served_from_the_package_under_the_csp(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http" not in html.replace("http-equiv", "")  # no CDN, nothing external
    assert "<script>" not in html  # no inline script: the CSP needs no exception
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_no_token_no_answer_and_a_session_cookie_is_not_a_token(app, client, world):
    answer = client.get("/api/v1/complaint")
    assert answer.status_code == 401
    assert answer.content_type == "application/problem+json"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    sign_in(app, client, world.users["gm"])
    assert client.get("/api/v1/complaint").status_code == 401
    assert client.get("/api/v1/complaint",
                      headers={"Authorization": "Bearer rk_nonsense"}).status_code == 401


def test_a_revoked_or_expired_token_is_refused(app, client, world):
    revoked = make_token(app, world.users["clerk.sales"])
    expired = make_token(app, world.users["clerk.sales"], days=-1)
    assert client.get("/api/v1/customer", headers=bearer(revoked)).status_code == 200
    with app.app_context():
        row = db.session.get(ApiToken, token_row(app, revoked).id)
        row.revoked_at = utcnow()
        db.session.commit()
        db.session.remove()
    assert client.get("/api/v1/customer", headers=bearer(revoked)).status_code == 401
    assert client.get("/api/v1/customer", headers=bearer(expired)).status_code == 401


def test_last_use_is_recorded_without_an_audit_event(app, client, world):
    secret = make_token(app, world.users["auditor"])
    assert token_row(app, secret).last_used_at is None
    client.get("/api/v1/customer", headers=bearer(secret))
    assert token_row(app, secret).last_used_at is not None


@pytest.mark.parametrize("username", ["clerk.sales", "supervisor", "gm", "legal"])
def test_a_list_holds_exactly_the_rows_the_screens_show(app, client, world, tokens,
                                                        username):
    from ..policy_oracle import sees
    for table in ("complaint", "customer", "archive_file", "loan", "penalty"):
        answer = get(client, tokens, username, f"/api/v1/{table}?limit=100")
        expected = {row.id for row in world.rows_of(table) if sees(username, row)}
        if answer.status_code == 403:
            assert not expected
            continue
        got = {item["id"] for item in answer.get_json()["items"]}
        assert {row.id for row in world.rows_of(table)} & got == expected, table


def test_above_clearance_is_the_same_404_as_missing(app, client, world, tokens):
    secret_row = next(r for r in world.rows_of("complaint") if r.level == "secret"
                      and r.department == "sales")
    hidden = get(client, tokens, "clerk.sales", f"/api/v1/complaint/{secret_row.id}")
    missing = get(client, tokens, "clerk.sales", "/api/v1/complaint/2000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()
    assert secret_row.marker not in hidden.get_data(as_text=True)
    with app.app_context():
        refused = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.model == "complaint",
            AuditEvent.record_id == str(secret_row.id)).order_by(AuditEvent.id.desc()))
        assert refused is not None and refused.username == "clerk.sales"


def test_a_read_has_the_version_as_etag_and_the_steps_the_caller_may_fire(
        client, world, tokens):
    row = next(r for r in world.rows_of("complaint") if r.level == "internal"
               and r.department == "sales")
    answer = get(client, tokens, "clerk.sales", f"/api/v1/complaint/{row.id}")
    body = answer.get_json()
    assert answer.headers["ETag"] == f'"{body["version_id"]}"'
    assert "investigate" in body["steps"]


def register_complaint(client, tokens, world, who="clerk.sales", **extra):
    customer = next(r for r in world.rows_of("customer") if r.level == "internal"
                    and r.department == "sales")
    body = {"customer_id": customer.id, "received_at": "2026-11-30T09:15:00",
            "channel": "phone", "content": "包装破损", "severity": "general", **extra}
    return client.post("/api/v1/complaint", json=body, headers=bearer(tokens[who]))


def test_register_a_complaint_and_read_its_number_and_due_date(app, client, world, tokens):
    answer = register_complaint(client, tokens, world)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["number"].startswith("2611") and body["due_date"] == "2026-12-01"
    assert body["department_id"] == world.departments["sales"]
    assert body["received_at"] == "2026-11-30T01:15:00+00:00"  # Shanghai time, stored UTC
    assert answer.headers["Location"].endswith(f"/api/v1/complaint/{body['id']}")
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.model == "complaint", AuditEvent.record_id == str(body["id"]),
            AuditEvent.action == "insert").order_by(AuditEvent.id.desc()).limit(1))
        assert event.username == "clerk.sales"  # the newest: ids of removed rows recur


def test_a_read_token_only_reads(client, world, tokens):
    answer = register_complaint(client, tokens, world, who="read:clerk.sales")
    assert answer.status_code == 403
    assert answer.content_type == "application/problem+json"


def test_the_save_rules_of_the_screens_apply(client, world, tokens):
    other = register_complaint(client, tokens, world,
                               department_id=world.departments["service"])
    assert other.status_code == 422 and "department_id" in fields_of(other)
    above = register_complaint(client, tokens, world, level="secret")
    assert above.status_code == 422 and "level" in fields_of(above)
    hidden = next(r for r in world.rows_of("customer") if r.level == "secret")
    unseen = register_complaint(client, tokens, world, customer_id=hidden.id)
    assert unseen.status_code == 422 and "customer_id" in fields_of(unseen)
    assert hidden.marker not in unseen.get_data(as_text=True)


def test_patch_needs_if_match_and_a_stale_one_changes_nothing(app, client, world, tokens):
    created = register_complaint(client, tokens, world).get_json()
    path, headers = f"/api/v1/complaint/{created['id']}", bearer(tokens["clerk.sales"])
    missing = client.patch(path, json={"complainant": "王"}, headers=headers)
    assert missing.status_code == 428 and "If-Match" in fields_of(missing)
    bad = client.patch(path, json={"complainant": "王"}, headers={**headers,
                                                                 "If-Match": "abc"})
    assert bad.status_code == 400 and "If-Match" in fields_of(bad)
    done = client.patch(path, json={"complainant": "王"},
                        headers={**headers, "If-Match": f'"{created["version_id"]}"'})
    assert done.status_code == 200 and done.get_json()["complainant"] == "王"
    stale = client.patch(path, json={"complainant": "李"},
                         headers={**headers, "If-Match": f'"{created["version_id"]}"'})
    assert stale.status_code == 412
    assert client.get(path, headers=headers).get_json()["complainant"] == "王"


def test_firing_a_step_as_the_token_user(app, client, world, tokens):
    created = register_complaint(client, tokens, world).get_json()
    path = f"/api/v1/complaint/{created['id']}/steps"
    headers = bearer(tokens["clerk.sales"])
    done = client.post(f"{path}/investigate", json={}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "investigating"
    again = client.post(f"{path}/investigate", json={}, headers=headers)
    assert again.status_code == 422 and "investigat" in again.get_json()["detail"].lower() \
        or again.status_code == 422
    refused = client.post(f"{path}/approve_major", json={}, headers=headers)
    assert refused.status_code == 403
    unknown = client.post(f"{path}/explode", json={}, headers=headers)
    assert unknown.status_code == 404
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "transition", AuditEvent.model == "complaint",
            AuditEvent.record_id == str(created["id"])).order_by(AuditEvent.id.desc())
            .limit(1))
        assert event.username == "clerk.sales"


@pytest.mark.parametrize("body, field", [
    ({"content": 5}, "content"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"channel": "pigeon"}, "channel"),
    ({"customer_id": "one"}, "customer_id"),
    ({"shoe_size": 42}, "shoe_size"),
    ({"number": "2611999"}, "number"),
])
def test_bad_values_are_named_and_nothing_is_saved(app, client, world, tokens, body, field):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))
    answer = register_complaint(client, tokens, world, **body)
    assert answer.status_code == 422 and field in fields_of(answer), answer.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == before


def test_malformed_and_oversized_bodies(app, client, tokens):
    headers = bearer(tokens["clerk.sales"], **{"Content-Type": "application/json"})
    broken = client.post("/api/v1/complaint", data="{not json", headers=headers)
    assert broken.status_code in (400, 422)
    assert broken.content_type == "application/problem+json"
    listed = client.post("/api/v1/complaint", data="[1, 2]", headers=headers)
    assert listed.status_code == 422
    huge = client.post("/api/v1/complaint", data=json.dumps({"content": "x" * 200_000}),
                       headers=headers)
    assert huge.status_code == 413 and huge.content_type == "application/problem+json"


def test_list_parameters_are_checked_and_named(client, tokens):
    def problem_of(query):
        answer = get(client, tokens, "gm", f"/api/v1/complaint?{query}")
        assert answer.status_code in (400, 422), query
        return fields_of(answer)
    assert "limit" in problem_of("limit=1000000")
    assert "limit" in problem_of("limit=zero")
    assert "cursor" in problem_of("cursor=bm90IGEgY3Vyc29y")
    assert "cursor" in problem_of("cursor=%%%")
    assert "sort" in problem_of("sort=password")
    assert "level" in problem_of("level=top")


@pytest.mark.parametrize("sort", [None, "id", "-id", "received_at"])
def test_cursor_pages_walk_every_visible_row_once(client, tokens, sort):
    path = "/api/v1/complaint?limit=3" + (f"&sort={sort}" if sort else "")
    seen, cursor = [], None
    full = get(client, tokens, "gm", "/api/v1/complaint?limit=100").get_json()["items"]
    for _ in range(100):
        answer = get(client, tokens, "gm", path + (f"&cursor={cursor}" if cursor else ""))
        assert answer.status_code == 200
        body = answer.get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(item["id"] for item in full)
    assert len(seen) == len(set(seen))
    other = "id" if sort != "id" else "-id"
    if cursor is None and len(seen) > 3:
        first = get(client, tokens, "gm", path).get_json()["next_cursor"]
        mixed = get(client, tokens, "gm", f"/api/v1/complaint?sort={other}&cursor={first}")
        assert mixed.status_code == 400 and "cursor" in fields_of(mixed)


def test_filters_and_search(client, world, tokens):
    row = next(r for r in world.rows_of("customer") if r.level == "internal")
    found = get(client, tokens, "gm", f"/api/v1/customer?q={row.marker}").get_json()
    assert [item["id"] for item in found["items"]] == [row.id]
    internal = get(client, tokens, "gm", "/api/v1/customer?level=internal&limit=100")
    assert {item["level"] for item in internal.get_json()["items"]} == {"internal"}


def test_messages_follow_accept_language(client, world, tokens):
    english = register_complaint(client, tokens, world, level="secret")
    chinese = client.post("/api/v1/complaint", json={"level": "secret"},
                          headers=bearer(tokens["clerk.sales"], **{"Accept-Language": "en"}))
    assert "clearance" in chinese.get_data(as_text=True)
    assert "clearance" not in english.get_data(as_text=True)  # zh-CN by default


def test_rate_limit_per_token(app, client, world):
    secret = make_token(app, world.users["auditor"])
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/customer", headers=bearer(secret)).status_code
                 for _ in range(4)]
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    other = make_token(app, world.users["auditor"])
    assert client.get("/api/v1/customer", headers=bearer(other)).status_code == 200


def test_every_exposed_record_type_is_classified_or_says_so():
    from api.resources import exposed
    from models import REGISTRY
    for model in REGISTRY.values():
        if exposed(model) and not getattr(model, "api_exposed", False):
            assert issubclass(model, Classified) or hasattr(model, "department_id")
    assert exposed(Customer) is not False


@pytest.mark.parametrize("data, content_type", [
    ("null", "application/json"), ("", "application/json"), ("42", "application/json"),
    ('{"content": "x"}', "text/plain"), ("\x00", "application/json"),
    ('{"content": NaN}', "application/json"),
])
def test_odd_bodies_are_refused_with_a_problem(client, tokens, data, content_type):
    answer = client.post("/api/v1/complaint", data=data, headers=bearer(
        tokens["clerk.sales"], **{"Content-Type": content_type}))
    assert 400 <= answer.status_code < 500
    assert answer.content_type == "application/problem+json"
    assert answer.get_json()["status"] == answer.status_code


def test_a_delete_is_not_offered(client, world, tokens):
    row = next(r for r in world.rows_of("complaint") if r.department == "sales")
    answer = client.delete(f"/api/v1/complaint/{row.id}", headers=bearer(tokens["gm"]))
    assert answer.status_code == 405 and answer.content_type == "application/problem+json"
    assert "DELETE" not in answer.headers["Allow"]
