from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .images import MIN_SHORT_SIDE, prepare_photo
from .models import photo_kind_choices


class PhotoField(forms.FileField):
    """A photo input whose cleaned value is a PreparedPhoto (see images.prepare_photo).

    The widget carries `accept="image/*"` and `data-shrink`, so photo-shrink.js makes big
    phone photos smaller in the browser before they are sent.
    """

    default_error_messages = {
        "required": _("Hãy chọn hoặc chụp một ảnh."),
        "empty": _("Tệp ảnh rỗng. Hãy chọn lại ảnh."),
        "invalid": _("Không nhận được ảnh. Hãy chọn lại ảnh."),
        "missing": _("Không nhận được ảnh. Hãy chọn lại ảnh."),
    }

    def __init__(self, *, min_short_side: int = MIN_SHORT_SIDE, **kwargs):
        super().__init__(**kwargs)
        self.min_short_side = min_short_side
        self.widget.attrs.update({"accept": "image/*", "data-shrink": ""})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not isinstance(upload, UploadedFile):
            return upload
        return prepare_photo(upload, upload.size, min_short_side=self.min_short_side)


class PhotoUploadForm(forms.Form):
    """The "upload as soon as chosen" endpoint: one photo of one kind."""

    file = PhotoField(label=_("Ảnh"))
    kind = forms.ChoiceField(
        label=_("Loại ảnh"),
        choices=photo_kind_choices,
        error_messages={"invalid_choice": _("Loại ảnh không hợp lệ.")},
    )
