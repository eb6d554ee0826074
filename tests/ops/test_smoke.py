def test_home_lists_for_gm(login_as, world):
    client = login_as("gm")
    response = client.get("/admin/")
    assert response.status_code == 200, response.text[:2000]
    for table in ("customer", "complaint", "loan", "archive_file"):
        r = client.get(f"/admin/{table}/")
        assert r.status_code == 200, r.text[-3000:]
        row = world.rows_of(table)[0]
        d = client.get(f"/admin/{table}/details/?id={row.id}")
        assert d.status_code == 200, d.text[-3000:]
        e = client.get(f"/admin/{table}/edit/?id={row.id}")
        assert e.status_code == (403 if table == "loan" else 200), e.text[-3000:]
        n = client.get(f"/admin/{table}/new/")
        assert n.status_code in (200, 403), n.text[-3000:]
