"""An upload handler that stops taking a file's bytes once it passes UPLOAD_MAX_BYTES.

Django streams a file above FILE_UPLOAD_MAX_MEMORY_SIZE into a temporary file, so a big
upload costs disk rather than memory; without this handler it still costs the whole
file. Put first, this handler passes chunks on to the next handlers until the file
passes the limit, then swallows the rest (the client is still sending it, so it is read
and dropped), frees what the other handlers buffered, and hands the form an empty
`OversizedUploadedFile` whose `size` is over the limit, so the form says "too big" in
Vietnamese instead of "no file chosen".

The request as a whole is capped by the web server before Django sees it, e.g. nginx:

    client_max_body_size 25m;   # two photos at UPLOAD_MAX_BYTES, plus the form fields

Install it for every view with
    FILE_UPLOAD_HANDLERS = [
        "khaibao.uploads.handlers.LimitedUploadHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
or for one view with `install_limited_upload_handler(request)` before the request's
POST or FILES is read (so the view must be csrf_exempt and call csrf_protect itself).
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUploadedFile(UploadedFile):
    """Stands in for a file that passed the limit: no content, the size received."""

    def __init__(self, *, name, content_type, size, charset, content_type_extra):
        super().__init__(io.BytesIO(b""), name, content_type, size, charset, content_type_extra)


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.max_bytes = settings.UPLOAD_MAX_BYTES
        self.oversized = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        # A part that declares its own length over the limit is refused from its first byte.
        self.oversized = self.content_length is not None and self.content_length > self.max_bytes

    def receive_data_chunk(self, raw_data, start):
        if not self.oversized and start + len(raw_data) > self.max_bytes:
            self.oversized = True
            self._free_other_handlers()
        if self.oversized:
            return None  # later handlers never see the chunk
        return raw_data

    def file_complete(self, file_size):
        if not self.oversized:
            return None  # the next handler (memory or temporary file) returns the file
        return OversizedUploadedFile(
            name=self.file_name,
            content_type=self.content_type,
            size=max(file_size, self.max_bytes + 1),
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )

    def _free_other_handlers(self):
        # The same convention Django's parser uses to free handlers' buffers: `.file`.
        for handler in getattr(self.request, "upload_handlers", ()):
            if handler is not self and hasattr(handler, "file"):
                handler.file.close()


def install_limited_upload_handler(request) -> None:
    """Put LimitedUploadHandler first for this request, unless settings already did."""
    if not any(isinstance(h, LimitedUploadHandler) for h in request.upload_handlers):
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
