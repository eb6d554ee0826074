"""Moved to ``audit.cli``: this name is the same module, for imports not yet changed."""
import sys

from audit import cli

sys.modules[__name__] = cli
