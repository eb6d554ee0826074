"""What may be done to a record, whatever the door (screens, API, CLI, scheduler).

Every function takes the acting user as an argument and reads no request state for its
rules; reads go through ``permissions`` (``visible()``/``can()``). The doors are
adapters: they turn a form, a JSON body or command-line options into these calls and the
exceptions back into their own kind of answer.

* ``services.steps``: ``fire(user, record, step, values)`` — a declared step with its
  guards, required fields, stamps, separation of duties and audit event.
* ``services.saving``: ``create(user, model, data)`` / ``update(user, record, data,
  version)`` — a record saved with every save rule.
"""
from .errors import Refused, SaveRefused, Stale
from .saving import create, update
from .steps import STEP_ERRORS, TransitionRefused, fire, refusal_of

__all__ = ["Refused", "SaveRefused", "Stale", "create", "update", "fire",
           "STEP_ERRORS", "TransitionRefused", "refusal_of"]
