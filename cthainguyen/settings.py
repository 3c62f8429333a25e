"""Settings for the C-ThaiNguyen portal.

Every operator setting is read from the environment here, with defaults that run on
any machine with nothing but Python (SQLite, local media, console email). The README's
"Configuration" and "Production" sections list them all.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cthainguyen.env import env_bool, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# "demo" runs with demo accounts and seed data allowed; "production" refuses both and
# insists on a real secret key.
PORTAL_ENV = env_str("PORTAL_ENV", "demo")
if PORTAL_ENV not in ("demo", "production"):
    raise ImproperlyConfigured("PORTAL_ENV must be demo or production")
DEMO_MODE = PORTAL_ENV == "demo"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEMO_MODE:
        raise ImproperlyConfigured("SECRET_KEY must be set when PORTAL_ENV=production")
    SECRET_KEY = "demo-only-insecure-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)

INSTALLED_APPS = [
    "cthainguyen.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "leaflet",
    "channels",
    "cthainguyen",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "cthainguyen.urls"
WSGI_APPLICATION = "cthainguyen.wsgi.application"
ASGI_APPLICATION = "cthainguyen.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cthainguyen.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", VAR_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cthainguyen.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "cthainguyen.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# The project's own catalog first; then Vietnamese for the libraries that lack it.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-vendor"]
FORMAT_MODULE_PATH = ["cthainguyen.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Photos are checked against this limit by the form; the web server in front must
# accept a little more than five of them in one request.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A hung mail server must fail the send well before the outbox presumes the worker
# dead and sends again.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "C-ThaiNguyen <no-reply@localhost>")

# Map tiles: any XYZ tile server; the province may host its own.
MAP_TILES_URL = env_str(
    "MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "© OpenStreetMap contributors")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (21.59, 105.85),
    "DEFAULT_ZOOM": 10,
    "MIN_ZOOM": 8,
    "MAX_ZOOM": 19,
    "TILES": [("OSM", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})],
}


def _origin(url):
    parts = url.split("/")
    return "/".join(parts[:3]) if "://" in url else None


_tile_origin = _origin(MAP_TILES_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src-elem": ["'self'"],
        # Leaflet and the admin position elements with style attributes.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"]
        + ([_tile_origin] if _tile_origin else []),
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"level": "INFO", "propagate": True}},
}

SERVE_MEDIA = env_bool("SERVE_MEDIA", DEMO_MODE)

# Redis: Celery's broker and the cache. Unset, jobs run in-process (eagerly) and the
# cache lives in memory, which is all `make run` needs.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has run, so a worker killed mid-task leaves it
# on the queue for the next worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 1}
CELERY_TIMEZONE = TIME_ZONE

# Media on any S3-compatible storage (MinIO, Ceph, a cloud) when a bucket is named;
# objects stay private and pages link to them with short-lived signed URLs.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "region_name": env_str("S3_REGION", "us-east-1"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("S3_URL_EXPIRY_SECONDS", 3600),
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
        },
    }
    # Pages link photos straight to the store with signed URLs, so browsers must be
    # allowed to load images from it; S3_ENDPOINT_URL must be a name they can reach.
    _s3_origin = _origin(env_str("S3_ENDPOINT_URL"))
    if _s3_origin:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_s3_origin)

# What an operator must set in production; docker-compose.yml and its test check
# that every one of them is provided.
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
)
if not DEMO_MODE:
    _missing = [name for name in REQUIRED_IN_PRODUCTION if not env_str(name)]
    if _missing:
        raise ImproperlyConfigured(
            "PORTAL_ENV=production needs these settings: " + ", ".join(_missing)
        )

# Beat's timetable (times in CELERY_TIMEZONE, Asia/Ho_Chi_Minh): re-queue the
# notifications a broker outage or a dead worker left unsent, finish photos left
# without derivatives, and mail each agency its overdue reports every morning.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "requeue-unsent-notifications": {
        "task": "cthainguyen.tasks.requeue_unsent",
        "schedule": 60.0,
        # A sweep still queued a minute later is superseded by the next one.
        "options": {"expires": 55},
    },
    "derive-pending-photos": {
        "task": "reports.photo_tasks.derive_pending_photos",
        "schedule": 300.0,
    },
    "overdue-digest": {
        "task": "reports.tasks.send_overdue_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}
# Where django.core.mail.backends.filebased.EmailBackend writes (tests, debugging).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Pages open a live socket (static/js/live.js) unless this is off, as it must be for
# a server that speaks WSGI only (pytest-django's live_server).
LIVE_UPDATES = env_bool("LIVE_UPDATES", True)
# Channels, the WebSocket side (cthainguyen/asgi.py, cthainguyen/live.py). Without
# Redis the channel layer lives in this process's memory, which is all `make run`
# (one process) needs; with Redis every ASGI process, web process and Celery worker
# shares it. The pub/sub layer, not the default RedisChannelLayer: that one runs out
# of Redis connections around 2,000 sockets per process (docs/performance.md).
# Pub/sub channels ignore the Redis database number, so deployments (or test runs)
# sharing one Redis keep apart by CHANNELS_PREFIX.
CHANNELS_REDIS_URL = env_str("CHANNELS_REDIS_URL", REDIS_URL)
if CHANNELS_REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": CHANNELS_REDIS_URL,
                        "socket_connect_timeout": 2,
                        "socket_keepalive": True,
                    }
                ],
                "prefix": env_str("CHANNELS_PREFIX", "ctn"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
