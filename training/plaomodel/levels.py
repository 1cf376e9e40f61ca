"""Vertebral levels the model labels, cranial to caudal, and the six points (names from contract.py)."""
from .contract import LEVELS as _LEVELS, POINTS as _POINTS

LEVELS = list(_LEVELS)
INDEX = {name: i for i, name in enumerate(LEVELS)}
POINTS = list(_POINTS)
