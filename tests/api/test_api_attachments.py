"""Attachments through the API follow their record, as on the screens."""
from __future__ import annotations

import pytest

from ..api_support import bearer, make_token
from ..policy_oracle import ROLE_OF, allowed, sees
from ..records.test_attachments import scans  # noqa: F401  (one stored scan per archive file)


@pytest.mark.parametrize("username", list(ROLE_OF))
def test_list_and_download_follow_the_record(app, client, world, scans,  # noqa: F811
                                             username):
    token = make_token(app, world.users[username], scope="read")
    for row, attachment_id in scans:
        base = f"/api/v1/archive_file/{row.id}/attachments"
        listed = client.get(base, headers=bearer(token))
        got = client.get(f"{base}/{attachment_id}", headers=bearer(token))
        if not allowed(username, "archive_file", "view"):
            assert listed.status_code == got.status_code == 403
        elif sees(username, row):
            assert [a["id"] for a in listed.get_json()] == [attachment_id]
            assert got.status_code == 200 and got.data == f"scan of {row.marker}".encode()
            assert got.headers["Cache-Control"] == "no-store"
        else:
            assert listed.status_code == got.status_code == 404
            assert row.marker.encode() not in listed.data + got.data
    other = scans[0]
    wrong_owner = client.get(f"/api/v1/archive_file/{scans[1][0].id}/attachments/"
                             f"{other[1]}", headers=bearer(token))
    assert wrong_owner.status_code in (403, 404)
