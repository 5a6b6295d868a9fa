"""(being written) The citizen's vaccination pages."""


def home(request):
    raise NotImplementedError


def certificate(request, pk):
    raise NotImplementedError
