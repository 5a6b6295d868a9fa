"""The citizen's vaccination pages (seed 001): the doses of each person the account
manages, and each current certificate's page, printable, with its signed HC1 QR (the
QR replaces the paper certificate). Every page works without JavaScript; the only
script prints and reloads the QR image while it is drawn."""

import datetime

from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from khaibao.access.views import citizen_required
from khaibao.trust.hcert import UVCI_PREFIX
from khaibao.trust.services import qr_image_request

from .certificates import certificate_text
from .selectors import certificate_for_citizen_or_404, vaccinations_for_citizen


def _get_certificate_for_citizen(request, pk):
    """A current certificate of a person the account manages; anyone else's is a 404."""
    return certificate_for_citizen_or_404(request.user, pk)


@never_cache
@citizen_required
@require_GET
def home(request):
    """Each person the account manages, own record first: the doses in order with their
    EU numbering, and a link to the current certificate (or to a correction request)."""
    return render(
        request,
        "vaccination/home.html",
        {"vaccinations": vaccinations_for_citizen(request.user)},
    )


def _qr_file_name(certificate) -> str:
    """ "chung-nhan-tiem-chung-01-vn-…-c.png": the UVCI without its URN prefix."""
    return f"chung-nhan-tiem-chung-{slugify(certificate.uvci.removeprefix(UVCI_PREFIX))}.png"


@never_cache
@citizen_required
@require_GET
def certificate(request, pk):
    """A current certificate, laid out to print as the paper certificate. A revoked one
    (a newer dose replaced it) is a 404: the home page links the new one."""
    certificate = _get_certificate_for_citizen(request, pk)
    text = certificate_text(certificate)
    context = {
        "certificate": certificate,
        "person": certificate.person,
        "dose": certificate.dose,
        "valid_until": certificate.issued_at + datetime.timedelta(days=certificate.valid_days),
        "qr_text": text,
        "qr_image_url": qr_image_request(text),
        "qr_file_name": _qr_file_name(certificate),
        # Printed on paper: the full address, not a link.
        "verify_url": request.build_absolute_uri(reverse("trust:verify")),
    }
    return render(request, "vaccination/certificate.html", context)
