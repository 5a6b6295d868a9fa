"""LimitedUploadHandler: bytes past the limit are dropped as they arrive."""

import os

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import RequestFactory

from khaibao.uploads.handlers import (
    LimitedUploadHandler,
    OversizedUploadedFile,
    install_limited_upload_handler,
)

CHUNK = 64 * 1024


def feed(request, total: int):
    """Drive the handlers the way Django's multipart parser does."""
    handlers = request.upload_handlers
    for handler in handlers:
        handler.new_file("file", "anh.jpg", "image/jpeg", None)
    counters = [0] * len(handlers)
    sent = 0
    while sent < total:
        chunk = b"\xff" * min(CHUNK, total - sent)
        sent += len(chunk)
        for i, handler in enumerate(handlers):
            size = len(chunk)
            chunk = handler.receive_data_chunk(chunk, counters[i])
            counters[i] += size
            if chunk is None:
                break
    for i, handler in enumerate(handlers):
        result = handler.file_complete(counters[i])
        if result:
            return result, handlers
    return None, handlers


def make_request(settings, limit):
    settings.UPLOAD_MAX_BYTES = limit
    request = RequestFactory().post("/photos/upload/")
    request.upload_handlers = [TemporaryFileUploadHandler(request)]
    install_limited_upload_handler(request)
    install_limited_upload_handler(request)  # idempotent
    return request


def test_a_file_within_the_limit_passes_through(settings):
    request = make_request(settings, 300_000)

    upload, handlers = feed(request, 300_000)

    assert [type(h) for h in handlers] == [LimitedUploadHandler, TemporaryFileUploadHandler]
    assert upload.size == 300_000 and upload.read() == b"\xff" * 300_000


def test_a_file_over_the_limit_is_not_kept(settings):
    request = make_request(settings, 300_000)

    upload, handlers = feed(request, 5_000_000)

    assert isinstance(upload, OversizedUploadedFile)
    assert upload.size == 5_000_000 and upload.read() == b""
    # The temporary file the next handler had started is closed, and so deleted.
    assert handlers[1].file.closed
    assert not os.path.exists(handlers[1].file.temporary_file_path())


def test_a_part_that_declares_a_length_over_the_limit_is_refused_at_once(settings):
    request = make_request(settings, 300_000)
    limited = request.upload_handlers[0]
    limited.new_file("file", "anh.jpg", "image/jpeg", 400_000)

    assert limited.receive_data_chunk(b"x" * 10, 0) is None
    assert isinstance(limited.file_complete(10), OversizedUploadedFile)
