from django.conf import settings


def portal(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "MAP_TILES_URL": settings.MAP_TILES_URL,
        "MAP_TILES_ATTRIBUTION": settings.MAP_TILES_ATTRIBUTION,
    }
