from django.conf import settings


def portal(request):
    return {
        "HOTLINE": settings.KHAIBAO_HOTLINE,
        "PROVINCE_NAME": settings.KHAIBAO_PROVINCE_NAME,
    }
