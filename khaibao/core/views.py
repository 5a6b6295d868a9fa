from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report
from .services_catalogue import SERVICES


@require_GET
def home(request):
    return render(request, "core/home.html", {"services": SERVICES})


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **report}, status=200 if healthy else 503
    )
