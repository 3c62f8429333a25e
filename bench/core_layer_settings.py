"""The portal's settings with the default RedisChannelLayer, for comparison only.

`bench/live_fanout.py --layer core` runs the server with these; production uses
the pub/sub layer of cthainguyen/settings.py.
"""

from cthainguyen.settings import *  # noqa: F403
from cthainguyen.settings import CHANNELS_REDIS_URL, env_str

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [CHANNELS_REDIS_URL],
            "prefix": env_str("CHANNELS_PREFIX", "ctn"),
        },
    }
}
