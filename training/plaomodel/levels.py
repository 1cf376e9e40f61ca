"""Vertebral levels the model labels, cranial to caudal."""
LEVELS = [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)] + ["S1"]
INDEX = {name: i for i, name in enumerate(LEVELS)}
POINTS = ["sa", "sm", "sp", "ia", "im", "ip"]
