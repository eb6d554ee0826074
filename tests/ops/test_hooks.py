"""Database hooks start with ``create_app``, not with an import (``models/hooks.py``).

Checked in a fresh interpreter: in the test process an app already installed them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = """
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapper, Session
from sqlalchemy import event

import admin_views.audit_log, api, app, audit, demo_story, models, permissions, services
from models.hooks import HOOKS, install_hooks

def listening():
    return [h for h in HOOKS if event.contains(h.target, h.identifier, h.fn)]

def count(target, name):
    return len(list(getattr(target.dispatch, name)._clslevel.get(target, [])))

names = {(h.fn.__module__, h.fn.__name__) for h in HOOKS}
assert {("audit.trail", "_collect_changes"), ("audit.trail", "_keep_old_values"),
        ("models.numbering", "_number_and_derive"), ("models.decisions", "_keep_decisions"),
        ("permissions.scoping", "_filter_rows"),
        ("permissions.accounts", "_refuse_unapproved_grants")} <= names, names
assert listening() == [], "an import installed a hook"
assert count(Session, "before_flush") == 0
install_hooks()
once = count(Session, "before_flush"), count(Session, "do_orm_execute")
assert len(listening()) == len(HOOKS)
install_hooks()
app.create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
assert (count(Session, "before_flush"), count(Session, "do_orm_execute")) == once, once
assert once[0] >= 5
print("ok")
"""


def test_importing_installs_no_hook_and_install_is_idempotent():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_a_mapper_configured_before_install_keeps_old_values(app):
    """The audit trail reads old values of every column: the listener that asks the
    ORM to load them is also run for mappers configured before it was installed."""
    from sqlalchemy import event

    from audit.trail import _ignore
    from models import Complaint

    assert event.contains(Complaint.status, "set", _ignore)
