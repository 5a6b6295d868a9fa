"""Forms of the citizen login (phone → code)."""

import secrets

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from khaibao.lib.normalize import normalize_phone

# Capitals and digits nobody mixes up in a slightly distorted image (no 0/O/Q/D, 1/I/J,
# 2/Z, 5/S, 8/B, 6/G/C, U/V) and whose names flite reads clearly.
CAPTCHA_ALPHABET = "AEFHKMNPRTWXY3479"


def captcha_challenge() -> tuple[str, str]:
    """CAPTCHA_CHALLENGE_FUNCT: the text drawn and the answer (the field lower-cases
    what is typed, so either case is accepted)."""
    shown = "".join(
        secrets.choice(CAPTCHA_ALPHABET) for _position in range(captcha_settings.CAPTCHA_LENGTH)
    )
    return shown, shown.lower()


class CaptchaInput(CaptchaTextInput):
    """The captcha's image, a "new image" link, the audio where flite is installed, and
    the hidden key + answer inputs (the label is the page's, for the answer input).

    Drawn with the project's templates (core/_captcha_widget.html); the library's own
    widget template has no label, an English "captcha" alt text and no refresh link.
    """

    template_name = "django/forms/widgets/multiwidget.html"

    def render(self, name, value, attrs=None, renderer=None):
        inputs = super().render(name, value, attrs, renderer)  # makes the new key first
        return render_to_string(
            "core/_captcha_widget.html",
            {
                "inputs": inputs,
                "image": self.image_url(),
                "audio": self.audio_url(),
                "refresh_url": self.refresh_url(),
                "size": captcha_settings.CAPTCHA_IMAGE_SIZE,
            },
        )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=20,
        help_text=_("Mã xác thực (OTP) gồm 6 số sẽ được gửi bằng tin nhắn đến số này."),
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "0912 345 678",
            }
        ),
    )

    def __init__(self, *args, with_captcha: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_captcha:
            self.fields["captcha"] = CaptchaField(
                label=_("Nhập các ký tự trong hình"),
                help_text=_("Chữ in hoa hoặc thường đều được. Khó đọc? Bấm “Đổi hình khác”."),
                error_messages={
                    "invalid": _("Chưa đúng các ký tự trong hình, vui lòng thử lại."),
                    "required": _("Nhập các ký tự trong hình."),
                    "incomplete": _("Nhập các ký tự trong hình."),
                },
                widget=CaptchaInput(
                    attrs={
                        "class": "form-control form-control-lg kb-captcha-answer",
                        "aria-describedby": "id_captcha_helptext",
                    }
                ),
            )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực (6 số)"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise ValidationError(_("Mã xác thực gồm đúng 6 chữ số."), code="code_format")
        return code
