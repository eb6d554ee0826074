"""Confidentiality levels: defined once in ``models/levels.py``, re-exported here."""
from models.levels import ORDER, dominates, levels_up_to, rank

__all__ = ["ORDER", "dominates", "levels_up_to", "rank"]
