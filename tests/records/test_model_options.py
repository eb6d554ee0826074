"""Model options are one declared vocabulary (``models/options.py``), checked at start-up:
every mistake reported at once, each with its stable id."""
from __future__ import annotations

import pytest

from admin_views.checks import DeclarationError, check_declaration
from models import REGISTRY, Complaint, Loan, Penalty
from models.options import RecordOptions, check_options


def test_the_registered_models_declare_their_options_correctly():
    assert {m.__name__: check_options(m) for m in REGISTRY.values()} == \
        {m.__name__: [] for m in REGISTRY.values()}


def test_every_mistake_is_named_with_its_id(monkeypatch):
    monkeypatch.setattr(Penalty, "raised_from", {"complant": ()}, raising=False)
    monkeypatch.setattr(Penalty, "attachments_allowed", "yes", raising=False)
    monkeypatch.setattr(Penalty, "constraint_messages", {"uq_nothing": "…"}, raising=False)
    problems = check_options(Penalty)
    assert [p.split()[0] for p in problems] == ["records.E120", "records.E123",
                                                "records.E124"]
    assert "'complant'" in problems[2] and "penalty" in problems[2]
    with pytest.raises(DeclarationError, match="records.E124"):
        check_declaration(Penalty)


@pytest.mark.parametrize("model, option, value, code", [
    (Complaint, "number_format", "{yymm}", "records.E121"),
    (Complaint, "number_column", "numero", "records.E122"),
    (Loan, "owner_columns", ("borrower",  "nobody_id"), "records.E125"),
    (Loan, "level_follows", "archive", "records.E126"),
    (Complaint, "years", (2099, 2000), "records.E127"),
])
def test_each_check(monkeypatch, model, option, value, code):
    monkeypatch.setattr(model, option, value, raising=False)
    assert [p.split()[0] for p in check_options(model)] == [code]


def test_the_vocabulary_documents_every_option():
    import ast
    import inspect
    source = ast.parse(inspect.getsource(RecordOptions))
    body = source.body[0].body
    names = [node.target.id for node in body if isinstance(node, ast.AnnAssign)]
    documented = [body[i].target.id for i in range(len(body) - 1)
                  if isinstance(body[i], ast.AnnAssign)
                  and isinstance(body[i + 1], ast.Expr)]
    assert names == documented and len(names) >= 15
