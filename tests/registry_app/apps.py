from django.apps import AppConfig

from khaibao.lib import registry

ROLE = "test_inspector"
SERVICE = registry.PortalService(
    "test-pilot", "Dịch vụ thử nghiệm", "Một hệ thống mới tự thêm mình vào cổng.", order=99
)
PHOTO_KIND = "test_receipt"


class RegistryAppConfig(AppConfig):
    name = "tests.registry_app"
    label = "registry_app"

    def ready(self):
        registry.register_role(ROLE, "Thanh tra thử nghiệm")
        registry.grant(ROLE, "areas.view_area")
        registry.register_service(SERVICE)
        registry.register_photo_kind(PHOTO_KIND, "Biên lai thử nghiệm")
