from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.uploads.images import check_upload_size

from .cose import MAX_TEXT_CHARS
from .images import ImageTooLarge, NoQrCodeFound, NotAnImage, qr_text_from_image
from .trustlist import MAX_LIST_BYTES


class VerifyForm(forms.Form):
    """A pasted (or scanner-typed) QR text, or a photo of the QR; `text` after cleaning."""

    qr = forms.CharField(
        label=_("Nội dung mã QR"),
        help_text=_("Dán nội dung mã (bắt đầu bằng HC1: hoặc KB1:) hoặc quét bằng máy quét."),
        required=False,
        max_length=MAX_TEXT_CHARS,
        error_messages={"max_length": _("Nội dung quá dài, đây không phải một mã QR.")},
        # A USB scanner types the code and presses Enter: the page's script submits the
        # form on Enter (a code never holds a line break). Without JavaScript, the button.
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
                "class": "font-monospace",
                "data-submit-on-enter": "",
            }
        ),
    )
    photo = forms.FileField(
        label=_("Hoặc ảnh chụp mã QR"),
        help_text=_("Chụp rõ, đủ sáng, mã QR nằm trọn trong ảnh. Ảnh không được lưu lại."),
        required=False,
        error_messages={
            "empty": _("Tệp ảnh rỗng. Hãy chọn lại ảnh chụp mã QR."),
            "invalid": _("Tệp này không phải ảnh. Hãy chọn ảnh chụp mã QR (JPEG, PNG hoặc WEBP)."),
            "missing": _("Tệp này không phải ảnh. Hãy chọn ảnh chụp mã QR (JPEG, PNG hoặc WEBP)."),
        },
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        # crispy adds enctype="multipart/form-data" itself for the file field.
        self.helper.attrs = {"novalidate": True}
        self.helper.add_input(Submit("submit", _("Kiểm tra"), css_class="btn-lg w-100"))

    def clean_photo(self) -> str:
        """The text of the QR code in the photo ("" without a photo)."""
        photo = self.cleaned_data.get("photo")
        if not photo:
            return ""
        check_upload_size(photo.size)
        try:
            return qr_text_from_image(photo, max_pixels=settings.UPLOAD_MAX_PIXELS)
        except NotAnImage:
            raise ValidationError(
                _("Tệp này không phải ảnh. Hãy chọn ảnh chụp mã QR (JPEG, PNG hoặc WEBP)."),
                code="not_an_image",
            ) from None
        except ImageTooLarge:
            raise ValidationError(
                _("Ảnh có quá nhiều điểm ảnh. Hãy chụp lại với độ phân giải thấp hơn."),
                code="photo_too_many_pixels",
            ) from None
        except NoQrCodeFound:
            raise ValidationError(
                _("Không tìm thấy mã QR trong ảnh. Hãy chụp lại gần hơn, rõ nét và đủ sáng."),
                code="no_qr_code",
            ) from None

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("qr") or cleaned.get("photo")
        if not text and not self.errors:
            raise ValidationError(
                _("Hãy dán nội dung mã QR hoặc chọn ảnh chụp mã QR."), code="empty"
            )
        cleaned["text"] = text or ""
        return cleaned


class TrustListImportForm(forms.Form):
    """A trust-list file for the admin: PEM/DER certificates or the EU gateway's JSON list."""

    file = forms.FileField(
        label=_("Tệp danh sách tin cậy"),
        help_text=_(
            "Chứng thư ký (DSC) dạng PEM (một hoặc nhiều) hoặc DER, hoặc danh sách JSON của "
            "dịch vụ kiểm tra thuộc cổng EU DCC."
        ),
        error_messages={
            "required": _("Hãy chọn tệp danh sách tin cậy."),
            "empty": _("Tệp rỗng. Hãy chọn lại tệp danh sách tin cậy."),
        },
    )
    withdraw_missing = forms.BooleanField(
        label=_("Đây là danh sách đầy đủ: rút các chứng thư không còn trong danh sách"),
        help_text=_("Chỉ áp dụng cho các nước có trong tệp."),
        required=False,
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LIST_BYTES:
            raise ValidationError(
                _("Tệp lớn hơn %(size)s MB.") % {"size": MAX_LIST_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload.read()


class RevokePersonalQrForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do thu hồi"),
        max_length=500,
        help_text=_("Ví dụ: mất điện thoại, mã bị người khác dùng."),
        error_messages={"required": _("Hãy nhập lý do thu hồi.")},
        widget=forms.TextInput(attrs={"size": 60}),
    )
