"""`manage.py check --deploy --database default`, run with the processes' DATABASE_URL: warns when the application
would connect as a role that can rewrite the audit log (docs/deploy.md "Database roles")."""
from django.core.checks import Tags, Warning, register
from django.db import connections

TIMELINE = "incidents_timelineevent"


@register(Tags.database, deploy=True)
def runtime_database_role(app_configs=None, databases=None, **kwargs):
    found = []
    for alias in databases or ():
        with connections[alias].cursor() as cursor:
            cursor.execute(
                """
                SELECT r.rolsuper,
                       EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = %s AND pg_has_role(current_user, c.relowner, 'MEMBER')),
                       to_regclass(%s) IS NOT NULL AND (has_table_privilege(%s, 'UPDATE') OR has_table_privilege(%s, 'DELETE')
                                                        OR has_table_privilege(%s, 'TRUNCATE'))
                FROM pg_roles r WHERE r.rolname = current_user
                """,
                [TIMELINE] * 5,
            )
            superuser, owner, rewrite = cursor.fetchone()
        if superuser:
            found.append(Warning(f"Database '{alias}': the application connects as a superuser, which can disable the timeline's triggers.",
                                 hint="Connect as the runtime role made by `manage.py db_roles` (docs/deploy.md).", id="dispatch.W101"))
        elif owner or rewrite:
            found.append(Warning(f"Database '{alias}': the application's role owns the timeline or may UPDATE, DELETE or TRUNCATE it.",
                                 hint="Run `manage.py db_roles` and connect as its runtime role (docs/deploy.md).", id="dispatch.W102"))
    return found
