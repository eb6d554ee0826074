"""Flask-Admin's own strings in the office's words (issue 16 item 4).

Flask-Admin translates its screens through its "admin" catalogue domain. Its Chinese
catalogue exists, but a few of its words are not what the office says (选中的 for the
bulk actions, 添加筛选器, 保存并添加另一个, "20 项目" per page). Our catalogue
``translations/admin_overrides`` holds those few; Flask-Babel merges the domain's
directories in order and a later one wins, so ours is put after Flask-Admin's.
"""
from __future__ import annotations

import os

from flask_admin import babel as admin_babel

OVERRIDES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations",
                         "admin_overrides")


def install() -> None:
    """Put our catalogue after Flask-Admin's in its domain (idempotent)."""
    domain = getattr(admin_babel, "domain", None)
    if domain is None or getattr(type(domain), "_office_words", False):
        return
    base = type(domain).translation_directories

    def translation_directories(self) -> list[str]:
        return [*base.fget(self), OVERRIDES]

    type(domain).translation_directories = property(translation_directories)
    type(domain)._office_words = True
    if isinstance(getattr(domain, "cache", None), dict):
        domain.cache.clear()
