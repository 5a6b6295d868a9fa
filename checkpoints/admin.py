"""The admin Django discovers for the checkpoints app: each room registers its own
ModelAdmins in its `admin.py`, imported here."""

from .declaring import admin as declaring_admin
from .exposure import admin as exposure_admin
from .quarantine import admin as quarantine_admin
from .venues import admin as venues_admin

__all__ = ["declaring_admin", "exposure_admin", "quarantine_admin", "venues_admin"]
