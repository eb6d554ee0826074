"""Moved to ``audit.anchor``: this name is the same module, for imports not yet changed."""
import sys

from audit import anchor

sys.modules[__name__] = anchor
