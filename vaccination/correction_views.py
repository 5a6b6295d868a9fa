"""(being written) The anonymous correction request."""


def _todo(request, *args, **kwargs):
    raise NotImplementedError


correction = correction_draft = correction_photo = correction_verify = _todo
correction_resend = correction_lookup = correction_status = _todo
