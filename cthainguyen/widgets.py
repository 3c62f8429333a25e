"""Map widgets for the admin over plain latitude and longitude decimal fields.

django-leaflet's own form widgets need GeoDjango and so GDAL; these only need its
bundled Leaflet. A vendored script (static/admin-map/admin-map.js) starts each map
from the data attributes written here, since the site's CSP forbids inline scripts.
"""

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

DEFAULT_ZOOM = 16

MAP_MEDIA = forms.Media(
    css={"all": ["leaflet/leaflet.css", "admin-map/admin-map.css"]},
    js=["leaflet/leaflet.js", "admin-map/admin-map.js"],
)


def _tile_attrs():
    """Return the data attributes every map needs: tiles, zoom limits, centre."""
    config = getattr(settings, "LEAFLET_CONFIG", {})
    centre = config.get("DEFAULT_CENTER", (21.59, 105.85))
    return {
        "data-tiles-url": settings.MAP_TILES_URL,
        "data-tiles-attribution": getattr(settings, "MAP_TILES_ATTRIBUTION", ""),
        "data-max-zoom": str(config.get("MAX_ZOOM", 19)),
        "data-default-lat": str(centre[0]),
        "data-default-lng": str(centre[1]),
        "data-default-zoom": str(config.get("DEFAULT_ZOOM", 10)),
    }


def location_map(latitude, longitude, *, label=""):
    """Return a read-only map showing one point, for a change page."""
    if latitude is None or longitude is None:
        return ""
    attrs = {
        "class": "admin-map admin-map--view",
        "role": "region",
        "aria-label": label or _("Map of the location"),
        "data-lat": str(latitude),
        "data-lng": str(longitude),
        "data-zoom": str(DEFAULT_ZOOM),
        **_tile_attrs(),
    }
    return format_html("<div{}></div>", flatatt(attrs))


class LatLngMapWidget(forms.NumberInput):
    """Latitude input with a map below it; a click on the map fills both fields.

    Put it on the latitude field and name the longitude field of the same form:
    ``widgets = {"latitude": LatLngMapWidget(lng_field="longitude")}``.
    """

    def __init__(self, attrs=None, *, lng_field="longitude", zoom=DEFAULT_ZOOM):
        super().__init__(attrs)
        self.lng_field = lng_field
        self.zoom = zoom

    @property
    def media(self):
        return MAP_MEDIA

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        input_id = (attrs or {}).get("id") or self.attrs.get("id") or ""
        # A prefixed form names its inputs "prefix-latitude": the longitude input
        # carries the same prefix.
        prefix, dash, _own = name.rpartition("-")
        map_attrs = {
            "class": "admin-map admin-map--pick",
            "data-lat-input": input_id,
            "data-lat-name": name,
            "data-lng-name": f"{prefix}{dash}{self.lng_field}",
            "data-zoom": str(self.zoom),
            "aria-label": _("Click the map to set the latitude and longitude."),
            **_tile_attrs(),
        }
        return format_html(
            '{}<div{}></div><p class="help">{}</p>',
            field,
            flatatt(map_attrs),
            _("Click the map or drag the marker to set the location."),
        )
