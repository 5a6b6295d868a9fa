"""Small factories for F0 declarations: real photos (Pillow) through the real services."""

import datetime
import io
import itertools
import random
import uuid
from contextlib import nullcontext

import qrcode
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from declarations.f0.models import F0Declaration
from declarations.f0.rules import f0_timing
from declarations.f0.services import f0_submit
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.areas.models import Area
from khaibao.people.models import Person
from khaibao.uploads.models import Photo, PhotoKind
from khaibao.uploads.services import photo_store
from tests.factories import make_citizen
from tests.uploads.images import image_bytes, uploaded

_sequence = itertools.count(1)


def _jpeg(image: Image.Image) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return SimpleUploadedFile("anh.jpg", buffer.getvalue(), content_type="image/jpeg")


def tray_image(seed: int, size: tuple[int, int] = (800, 640)) -> Image.Image:
    """A test-tray photo of random blocks: two seeds give perceptually different photos,
    the same seed the same photo (for the reuse check)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(0, size[0] - 100), rng.randrange(0, size[1] - 100)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), fill=colour)
    return image


def tray_jpeg(seed: int = 1, size: tuple[int, int] = (1000, 800)) -> bytes:
    """tray_image() as the JPEG bytes a phone would send."""
    return image_bytes(tray_image(seed, size), "JPEG", quality=90)


def id_card_image(qr_text: str | None = None) -> Image.Image:
    """An ID card; with `qr_text`, the CCCD's own QR in its top right corner."""
    card = Image.new("RGB", (1000, 640), (226, 236, 244))
    draw = ImageDraw.Draw(card)
    draw.rectangle((60, 160, 300, 480), fill=(180, 180, 190))  # the portrait
    draw.rectangle((340, 300, 900, 340), fill=(40, 40, 40))
    if qr_text:
        code = qrcode.make(qr_text, box_size=5, border=2).get_image().convert("RGB")
        card.paste(code, (1000 - code.width - 30, 30))
    return card


def cccd_qr_text(person: Person, **changes) -> str:
    """The text of `person`'s CCCD QR; `changes` make it disagree (e.g. full_name=…)."""
    fields = {
        "id_number": person.id_number,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        **changes,
    }
    sex = "Nam" if person.sex == "M" else "Nữ"
    return (
        f"{fields['id_number']}||{fields['full_name']}|{fields['date_of_birth']:%d%m%Y}|{sex}|"
        f"12 Lê Lợi|01012021"
    )


def store_photo(person: Person, account, image: Image.Image, kind: str) -> Photo:
    return photo_store(upload=_jpeg(image), kind=kind, person=person, uploaded_by=account)


def store_upload(person: Person, account, content: bytes, kind: str) -> Photo:
    return photo_store(upload=uploaded(content), kind=kind, person=person, uploaded_by=account)


def make_declaration(
    *,
    person: Person,
    account=None,
    isolation_area: Area | None = None,
    submitted_at: datetime.datetime | None = None,
    test_date: datetime.date | None = None,
    tray_seed: int | None = None,
    test_image: Image.Image | None = None,
    test_content: bytes | None = None,
    id_content: bytes | None = None,
    id_qr_text: str | None = None,
    contact_phone: str | None = None,
    relationship: str = "self",
    submission_key: uuid.UUID | None = None,
    **answers,
) -> F0Declaration:
    """A declaration filed through f0_submit(), as a citizen's form would file it.

    `account` defaults to a new citizen account for the person; `submitted_at` files it
    at that moment (the clock is moved for the call); the same `tray_seed` twice gives
    the same test photo (the second declaration is flagged as reusing it);
    `contact_phone` defaults to the filing account's phone (one text per status);
    `test_content` / `id_content` are photo files as uploaded, `answers` the form's other
    answers (vaccine doses, symptoms…).
    """
    if account is None:
        account = make_citizen(phone=f"+8490{next(_sequence):07d}", person=person)
    seed = next(_sequence) if tray_seed is None else tray_seed
    if test_content is not None:
        test_photo = store_upload(person, account, test_content, TEST_RESULT_PHOTO)
    else:
        image = test_image if test_image is not None else tray_image(seed)
        test_photo = store_photo(person, account, image, TEST_RESULT_PHOTO)
    if id_content is not None:
        id_photo = store_upload(person, account, id_content, PhotoKind.ID_DOCUMENT)
    else:
        id_photo = store_photo(person, account, id_card_image(id_qr_text), PhotoKind.ID_DOCUMENT)
    clock = time_machine.travel(submitted_at, tick=False) if submitted_at else nullcontext()
    with clock:
        return f0_submit(
            account=account,
            person=person,
            relationship=relationship,
            submission_key=submission_key or uuid.uuid4(),
            test_date=test_date or timezone.localdate(),
            test_type="rapid",
            test_photo=test_photo,
            id_photo=id_photo,
            isolation_area=isolation_area or person.area,
            isolation_street="12 Lê Lợi",
            contact_phone=contact_phone or account.phone,
            **answers,
        )


def rules_detail(declaration) -> dict:
    """What a staff decision's audit event says of the F0 rules it was decided under."""
    rules = f0_timing(declaration.isolation_area)
    return {"rules_version": rules.version_id, "rules": rules.label}
