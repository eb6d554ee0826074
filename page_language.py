"""Every HTML page names its language (``<html lang="zh-CN">``): screen readers pick
the voice by it, and axe-core counts its absence as a serious violation (issue 16
item 9). Flask-Admin's page frame writes a bare ``<html>`` that no template block
reaches, so the tag is completed on the way out, before compression."""
from __future__ import annotations

from flask_babel import get_locale

#: The attribute value per locale the app speaks.
LANG = {"zh": "zh-CN", "en": "en"}


def install(app) -> None:
    @app.after_request
    def name_the_language(response):
        if response.mimetype != "text/html" or response.direct_passthrough \
                or response.is_streamed:
            return response
        body = response.get_data()
        if b"<html>" not in body[:400]:
            return response
        locale = get_locale()
        lang = LANG.get(locale.language if locale else "zh", "zh-CN")
        response.set_data(body.replace(b"<html>", f'<html lang="{lang}">'.encode(), 1))
        return response
