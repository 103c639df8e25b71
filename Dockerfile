# dispatch112 production image: Django (ASGI, uvicorn) + Celery worker/beat.
# One image, three roles: see docker-compose.yml and docs/deploy.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=dispatch.settings.production

# GeoDjango needs GDAL, GEOS and PROJ; gettext for compilemessages.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gdal-bin libgdal32 libgeos-c1v5 libproj25 gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Python dependencies first: this layer is rebuilt only when the lock changes. Every file is pinned by version and
# sha256 (requirements.lock, written by `make lock` from pyproject.toml): a download that does not match is refused.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
# the project itself: nothing more to download (its build backend, setuptools, comes from the lock)
RUN pip install --no-deps --no-build-isolation .

# Translations and static files are built into the image. The production settings
# insist on a real secret key, so a throw-away one is given for this step only
# (it is not kept in the image's environment); nothing here touches the database.
RUN export DJANGO_SECRET_KEY="build-only-not-a-secret-0123456789abcdefghijklmnop" \
           DJANGO_ALLOWED_HOSTS="localhost" \
           DATABASE_URL="postgis://build@localhost:5432/build" \
           REDIS_URL="redis://localhost:6379/0" \
 && if [ -d locale ]; then python manage.py compilemessages -v 0; fi \
 && python manage.py collectstatic --noinput -v 0

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
 && mkdir -p /app/media /app/.cache/tiles \
 && chown app:app /app/media /app/.cache /app/.cache/tiles
USER app

EXPOSE 8000
# The web role; docker-compose.yml runs migrate first and also defines worker and beat.
CMD ["uvicorn", "dispatch.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--ws-per-message-deflate", "false"]
