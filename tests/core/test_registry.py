"""A new system adds itself to the platform from its own AppConfig.ready(): its roles and
their permissions, its home-page entry and its photo kinds, with no edit under khaibao/."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from khaibao.accounts.forms import StaffCreationForm
from khaibao.accounts.roles import group_name, role_choices
from khaibao.accounts.services import role_groups_sync
from khaibao.lib import registry
from khaibao.uploads.models import photo_kind_choices
from tests.registry_app import apps as throwaway


@pytest.fixture
def with_throwaway_app(settings):
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.registry_app"]):
        yield
    registry.unregister_role(throwaway.ROLE)
    registry.unregister_service(throwaway.SERVICE.slug)
    registry.unregister_photo_kind(throwaway.PHOTO_KIND)


def test_an_app_registers_a_role_an_entry_and_a_photo_kind(client, db, with_throwaway_app):
    home = client.get(reverse("home"))

    assert "Dịch vụ thử nghiệm" in home.content.decode()
    assert (throwaway.PHOTO_KIND, "Biên lai thử nghiệm") in photo_kind_choices()
    assert (throwaway.ROLE, "Thanh tra thử nghiệm") in role_choices()
    assert (throwaway.ROLE, "Thanh tra thử nghiệm") in StaffCreationForm.base_fields["role"].choices
    role_groups_sync()
    group = Group.objects.get(name=group_name(throwaway.ROLE))
    assert list(group.permissions.values_list("codename", flat=True)) == ["view_area"]


def test_without_the_app_none_of_it_is_there(client, db):
    assert "Dịch vụ thử nghiệm" not in client.get(reverse("home")).content.decode()
    assert throwaway.PHOTO_KIND not in dict(photo_kind_choices())
    assert throwaway.ROLE not in dict(role_choices())
