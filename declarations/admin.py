"""The admin Django discovers for the declarations app: each room registers its own
ModelAdmins in its `admin.py`, imported here."""

from .f0 import admin as f0_admin
from .homecare import admin as homecare_admin
from .homecare import admin_guidance as homecare_guidance_admin
from .labresults import admin as labresults_admin

__all__ = ["f0_admin", "homecare_admin", "homecare_guidance_admin", "labresults_admin"]
