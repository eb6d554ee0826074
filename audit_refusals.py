"""Moved to ``audit.refusals``: this name is the same module, for imports not yet changed."""
import sys

from audit import refusals

sys.modules[__name__] = refusals
