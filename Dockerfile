# The portal's one image: docker-compose.yml runs it as web (gunicorn), ws (uvicorn),
# worker and beat (Celery) and the one-shot migrate service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=cthainguyen.settings

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# The dependencies first, from pyproject.toml alone, so that a code change does not
# reinstall them (the project installs no package of its own: it runs from /app).
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected into the image and served by whitenoise. Nothing here
# is secret and nothing reaches a database: the key is a throwaway for this step.
RUN SECRET_KEY=collectstatic-at-build-time-only PORTAL_ENV=demo \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var \
    && chown portal:portal /app/var

USER portal
EXPOSE 8000

CMD ["gunicorn", "cthainguyen.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
