"""makemessages that also extracts the consoles' gettext aliases.

The browser consoles (static/js/*.js) call Django's JavaScriptCatalog through short
aliases: ``t("...")`` (calltaker.js, live.js) and ``gt("...")`` (crew.js, dispatcher.js),
each falling back to the untranslated string when the catalog is missing. xgettext only
knows ``gettext``/``ngettext``/... by default, so without these keywords every console
string would silently stay out of djangojs.po. In Python, ``_t`` is ``gettext`` where ``_`` is already the lazy
one (incidents/timeline_text.py: the admin's timeline lines); without ``--keyword=_t`` those lines stayed Indonesian
on an English page.

Usage is unchanged: ``manage.py makemessages -d djangojs -l en ...``.
"""

from django.core.management.commands import makemessages

JS_ALIAS_KEYWORDS = ["--keyword=t", "--keyword=gt"]
PY_ALIAS_KEYWORDS = ["--keyword=_t"]


class Command(makemessages.Command):
    @property
    def xgettext_options(self):
        options = list(makemessages.Command.xgettext_options)
        if getattr(self, "domain", None) == "djangojs":
            options += JS_ALIAS_KEYWORDS
        elif getattr(self, "domain", None) == "django":
            options += PY_ALIAS_KEYWORDS
        return options
