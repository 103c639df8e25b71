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

# Python dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps .

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
 && mkdir -p /app/media \
 && chown app:app /app/media
USER app

EXPOSE 8000
# The web role; docker-compose.yml runs migrate first and also defines worker and beat.
CMD ["uvicorn", "dispatch.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--ws-per-message-deflate", "false"]
