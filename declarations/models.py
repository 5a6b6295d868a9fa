"""The models Django loads for the declarations app.

Each room keeps its models in its own package (`f0/models.py`, …) and is imported here
so that Django registers them under the app label "declarations" (their tables keep the
names `declarations_<model>`). Import a room's models from the room, never from here.
"""

from .f0.models import F0Declaration, F0Draft, F0Event
from .homecare.models import (
    Alert,
    CallNote,
    ChaseStep,
    DailyReport,
    GuidanceDocument,
    HomeCarePatient,
    ReportDraft,
)
from .labresults.models import LabImport, LabResult, LabToken

__all__ = [
    "Alert",
    "CallNote",
    "ChaseStep",
    "DailyReport",
    "F0Declaration",
    "F0Draft",
    "F0Event",
    "GuidanceDocument",
    "HomeCarePatient",
    "LabImport",
    "LabResult",
    "LabToken",
    "ReportDraft",
]
