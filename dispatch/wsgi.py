"""WSGI entry point for the HTTP side when it runs apart from the live sockets (docs/deploy.md):
`gunicorn dispatch.wsgi` serves pages and the API, `uvicorn dispatch.asgi` serves /ws/events/."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch.settings.local")
application = get_wsgi_application()
