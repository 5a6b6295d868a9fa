"""The models Django loads for the checkpoints app.

Each room keeps its models in its own package (`declaring/models.py`, …) and is imported
here so that Django registers them under the app label "checkpoints". Import a room's
models from the room, never from here.
"""

from .declaring.models import EntryDeclaration, HealthDeclaration
from .exposure.models import ExposureNotice
from .officer.models import CheckpointCheck
from .venues.models import CheckIn, Venue

__all__ = [
    "CheckIn",
    "CheckpointCheck",
    "EntryDeclaration",
    "ExposureNotice",
    "HealthDeclaration",
    "Venue",
]
