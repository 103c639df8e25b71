"""A deactivated account loses its live sockets at once (issue 28).

The ScopeGuard (incidents.live.consumers) re-reads every socket's user every 30 s; a user deactivated in the admin
kept their consoles — and the events of their centre — that long, while the docs said "at once". On the post_save
of a user whose `is_active` is False, after the commit, one message on the hubs' control channel makes every ASGI
process close that user's sockets (4401). The guard stays the safety net for a lost message and for changes that
bypass signals (`QuerySet.update`). Revoking the API token is the agencies app's own receiver (agencies.tokens).
"""
from django.db import transaction

from incidents.live.publish import publish_user_revoked


def user_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or created or instance.is_active:
        return
    user_id = instance.pk
    transaction.on_commit(lambda: publish_user_revoked(user_id))
