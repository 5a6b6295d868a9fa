"""Requests no page can answer, refused before any view runs."""

from .views import bad_request


class RejectNulCharactersMiddleware:
    """A NUL character in the path or the query string (`?province=%00`) is never real
    input, and PostgreSQL refuses it in any text it is asked to compare: a 400 page here,
    instead of a database error in whichever view would have read it. (Form fields
    already refuse NUL in posted data, with a message on the field.) The JSON APIs under
    /api/ check their own input and answer in JSON, so they are left to do it."""

    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.API_PREFIX):
            return self.get_response(request)
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for key, values in request.GET.lists()
            for value in values
        ):
            return bad_request(request)
        return self.get_response(request)
