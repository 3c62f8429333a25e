"""The province on the map: its bounds, and distances for nearby search."""

import math
from decimal import Decimal

# Thái Nguyên after the 2025 merger with Bắc Kạn, as a bounding box with a small
# margin. A polygon of the boundary would be exact; the box refuses what is clearly
# elsewhere (another province, (0, 0), swapped coordinates).
PROVINCE_SOUTH = Decimal("21.30")
PROVINCE_NORTH = Decimal("22.75")
PROVINCE_WEST = Decimal("105.45")
PROVINCE_EAST = Decimal("106.30")
PROVINCE_CENTER = (Decimal("21.5942"), Decimal("105.8482"))


def in_province(latitude, longitude):
    return (
        PROVINCE_SOUTH <= latitude <= PROVINCE_NORTH
        and PROVINCE_WEST <= longitude <= PROVINCE_EAST
    )


def distance_m(lat1, lng1, lat2, lng2):
    """Return the great-circle distance in metres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))
