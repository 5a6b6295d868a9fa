"""Who may see which photo."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from khaibao.accounts.scope import scope_for
from khaibao.people.models import ManagedPerson

from .models import Photo


def photos_visible_to(user) -> QuerySet[Photo]:
    """Photos of persons the account manages, plus those inside a staff scope.

    The staff part is Scope.covers() as a query: the person's area lies under the
    staff member's area.
    """
    photos = Photo.objects.select_related("person__area")
    if not user.is_authenticated:
        return photos.none()
    scope = scope_for(user)
    if scope.unrestricted:
        return photos
    visible = Q(Exists(ManagedPerson.objects.filter(account=user, person=OuterRef("person_id"))))
    if scope.area is not None:
        visible |= Q(person__area__path__startswith=scope.area.path)
    return photos.filter(visible)
