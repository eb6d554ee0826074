"""The audit trail, one package: who did what to which record, in a keyed hash chain.

* ``trail`` — the session hooks that record every change, and ``record_event`` /
  ``record_refusal`` / ``recorded_as`` for what the ORM cannot see;
* ``anchor`` — what anchors the chain outside the database: the key, the recorded heads;
* ``chain`` — verifying the chain (``verify_chain``);
* ``refusals`` — refused and failed requests, at most one event per request;
* ``reading`` — the events read back as people read them: a record's history;
* ``cli`` — ``flask audit verify`` and ``audit rekey``.

Who may read which events is a permission rule: ``permissions/audit.py``; the screens
(``admin_views/audit_log.py``, ``admin_views/case_timeline.py``) only show them.

Importing the package installs nothing: the trail's session hooks are declared with
``models.hooks.hook`` and start when ``create_app`` calls ``install_hooks()``.
"""
from .chain import ChainReport, verify_chain
from .trail import (
    ABOVE,
    ACTING_USER,
    MASK,
    NOT_AUDITED,
    AppendOnlyError,
    Pending,
    max_level,
    order_pending_by_time,
    plain,
    record_event,
    record_refusal,
    recorded_as,
)

__all__ = ["ABOVE", "ACTING_USER", "MASK", "NOT_AUDITED", "AppendOnlyError", "ChainReport",
           "Pending", "max_level", "order_pending_by_time", "plain", "record_event",
           "record_refusal", "recorded_as", "verify_chain"]
