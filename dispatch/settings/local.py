"""Developer machine: `make run`."""
from .base import *  # noqa: F401,F403
from .base import env

# Off unless asked (`DJANGO_DEBUG=true make run`): Django's debug page shows settings and source to whoever
# triggers an error, and `make run` is also how a pilot centre tries the system.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
