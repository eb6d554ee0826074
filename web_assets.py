"""Light pages (issue 16 item 7): compressed answers, long-cached static files, a favicon.

- Compression: Flask-Compress (zstd, brotli or gzip, as the browser accepts) for pages,
  scripts, styles and JSON; a list page of about 30 KB leaves as about 5 KB.
  Pages carry a CSRF token next to text the user typed (a search term), the classic
  BREACH pairing: Flask-WTF's token is signed with a timestamp, so its text changes
  every second and a compression oracle has nothing stable to guess at.
- Static files whose URL carries a version (Flask-Admin's ``?v=4.6.2``, the filter
  scripts' content hash) are cached for a year and never asked again; the others
  stay revalidated by their ETag (a 304 without a body).
- ``/favicon.ico``: every browser asks for it; it answered 404 on every session.
"""
from __future__ import annotations

import struct

from flask import Response, request
from flask_compress import Compress

compress = Compress()

#: What is compressed: text the browser renders or runs (downloads are not: an XLSX
#: is a zip already, and a CSV export is streamed as it is read). The JSON API answers
#: as it is: its callers (an ERP, a phone system, scripts) are not all able to decode
#: brotli or zstd, which a client library may offer in Accept-Encoding by default.
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                    "text/plain", "image/svg+xml"]
YEAR = 365 * 24 * 3600
#: Endpoints of static files (the app's, Flask-Admin's, the page frame's).
STATIC_ENDPOINTS = ("static", "admin.static", "frame.static")


def favicon_bytes(size: int = 16) -> bytes:
    """A 16×16 icon, a white mark on the navigation bar's blue (ICO with a 32-bit
    BMP inside), made here so that no binary file sits in the repository."""
    blue, white = (0x2F, 0xA4, 0xE7, 0xFF), (0xFF, 0xFF, 0xFF, 0xFF)
    pixels = bytearray()
    for y in range(size):  # BMP rows go bottom-up
        row = size - 1 - y
        for x in range(size):
            mark = 3 <= x <= 12 and row in (4, 5, 10, 11) or 3 <= row <= 12 and x in (4, 5)
            r, g, b, a = white if mark else blue
            pixels += bytes((b, g, r, a))  # BMP stores blue, green, red, alpha
    mask = bytes(((size + 31) // 32) * 4 * size)  # all opaque
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0,
                         len(pixels) + len(mask), 0, 0, 0, 0)
    image = header + bytes(pixels) + mask
    directory = struct.pack("<HHH", 0, 1, 1) + struct.pack(
        "<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 6 + 16)
    return directory + image


FAVICON = favicon_bytes()


def init_web_assets(app) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # Static files are sent as streams: compressed as they go. CSV exports are
    # streams too, but text/csv is not in the list: their first line leaves at once.
    app.config.setdefault("COMPRESS_STREAMS", True)
    compress.init_app(app)

    @app.after_request
    def cache_versioned_static(response):
        if request.endpoint in STATIC_ENDPOINTS and response.status_code in (200, 304):
            if request.args.get("v"):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"  # revalidated by ETag
        return response

    @app.get("/favicon.ico")
    def favicon():
        response = Response(FAVICON, mimetype="image/x-icon")
        response.headers["Cache-Control"] = f"public, max-age={YEAR}"
        return response
