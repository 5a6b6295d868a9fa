"""The citizen's lab-result pages (seed 004): the account's results, and each result's
page with its printable certificate (a signed HC1 QR). Every page works without
JavaScript; the only script prints and reloads the QR image while it is drawn."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from khaibao.access.views import citizen_required
from khaibao.trust.services import qr_image_request

from .certificates import has_result_certificate, result_certificate_text
from .models import ResultStatus, TestOutcome
from .selectors import result_for_citizen_or_404, results_for_citizen


def _get_result_for_citizen(request, pk):
    """One of the account's results; anyone else's is a 404."""
    return result_for_citizen_or_404(request.user, pk)


@never_cache
@citizen_required
@require_GET
def home(request):
    """The account's results: its phone's and its persons', current first."""
    results = list(results_for_citizen(request.user))
    return render(request, "declarations/labresults/home.html", {"results": results})


def _certificate_context(request, result) -> dict:
    text = result_certificate_text(result)
    return {
        "qr_text": text,
        "qr_image_url": qr_image_request(text),
        "qr_file_name": f"ket-qua-xet-nghiem-{slugify(result.sample_id)}.png",
        # Printed on paper: the full address, not a link.
        "verify_url": request.build_absolute_uri(reverse("trust:verify")),
    }


@never_cache
@citizen_required
@require_GET
def detail(request, pk):
    """A result and, for a current positive or negative one, its certificate. An invalid
    sample or a corrected result has none: the page says why (and links the correction)."""
    result = _get_result_for_citizen(request, pk)
    context = {
        "result": result,
        "person": result.person,
        "has_certificate": has_result_certificate(result),
        "is_corrected": result.status == ResultStatus.CORRECTED,
        "is_invalid": result.outcome == TestOutcome.INVALID,
        "correction": getattr(result, "replaced_by", None),
    }
    if context["has_certificate"]:
        context.update(_certificate_context(request, result))
    return render(request, "declarations/labresults/detail.html", context)
