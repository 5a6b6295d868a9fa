from django.http import Http404, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import Area, AreaLevel


@require_GET
@cache_control(public=True, max_age=3600)
def area_children(request, pk):
    """Wards of a province, villages of a ward or points of a village, for the address
    pickers (public data)."""
    try:
        parent = Area.objects.only("pk", "level").get(pk=pk)
    except Area.DoesNotExist:
        raise Http404 from None
    if parent.level == AreaLevel.POINT:
        raise Http404
    children = (
        Area.objects.filter(parent=parent).order_by("name_key").values_list("pk", "code", "name")
    )
    return JsonResponse(
        {"children": [{"id": pk, "code": c, "name": name} for pk, c, name in children]}
    )
