"""python manage.py db_roles --runtime dispatch_app [--owner dispatch_owner] (run as a superuser, after migrate)

Two database roles instead of one superuser (issue 14, docs/deploy.md "Database roles"):

- the **owner** (`--owner`) owns the schema's tables and runs `migrate`; it is not a superuser. Owning the
  tables lets it alter them, so it is used only for migrations and maintenance, never by a running process;
- the **runtime** role (`--runtime`) is what Uvicorn, Celery and beat connect as: LOGIN, not a superuser, no
  CREATEDB/CREATEROLE/REPLICATION/BYPASSRLS, owns nothing (so `ALTER TABLE … DISABLE TRIGGER` is refused), may
  SELECT/INSERT/UPDATE/DELETE the tables and use their sequences — but only SELECT and INSERT on the
  append-only timeline, and TRUNCATE on nothing.

Idempotent: roles that exist are brought back to these attributes (a runtime role once made superuser loses it),
grants are re-applied. Passwords come from the environment variables named by --runtime-password-env /
--owner-password-env (never from the command line, which `ps` shows). Without --owner the tables stay with
whoever ran `migrate` (a development machine's superuser). Run it again after every `migrate`: tables made
later by a superuser get no grants by default (those made by the owner do, through default privileges).
"""
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

# Tables the application may only append to: their triggers refuse UPDATE, DELETE and TRUNCATE, and the runtime
# role is not even granted those (incidents/migrations/0002 and 0009).
APPEND_ONLY_TABLES = ("incidents_timelineevent",)
RUNTIME_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
OWNER_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"


def ensure_role(cursor, name: str, attributes: str, password: str | None) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    created = cursor.fetchone() is None
    verb = "CREATE" if created else "ALTER"
    cursor.execute(sql.SQL(f"{verb} ROLE {{}} {attributes}").format(sql.Identifier(name)))
    if password:
        cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
    return created


def schema_relations(cursor, kinds: str, *, free_sequences_only: bool = False) -> list[str]:
    """Tables/sequences/views of `public` that no extension owns (PostGIS's spatial_ref_sys stays as it is);
    with free_sequences_only, the sequences no table column owns (serial and identity ones follow their table)."""
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
          AND (NOT %s OR NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        ORDER BY c.relname
        """,
        [list(kinds), free_sequences_only],
    )
    return [row[0] for row in cursor.fetchall()]


def apply_roles(*, runtime: str, owner: str | None = None, runtime_password: str | None = None,
                owner_password: str | None = None) -> dict:
    """Create or fix both roles and their privileges in the current database; returns what it did."""
    if runtime == owner:
        raise CommandError("The runtime role must not be the owner.")
    done = {"created": [], "owned": 0, "tables": 0}
    db = connection.settings_dict["NAME"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            raise CommandError("db_roles must run as a superuser (it creates roles and changes owners).")
        R = sql.Identifier(runtime)
        if ensure_role(cursor, runtime, RUNTIME_ATTRIBUTES, runtime_password):
            done["created"].append(runtime)
        if owner:
            O = sql.Identifier(owner)
            if ensure_role(cursor, owner, OWNER_ATTRIBUTES, owner_password):
                done["created"].append(owner)
            cursor.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(db), O))
            cursor.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(O))
            for kinds, statement in (("rp", "ALTER TABLE {} OWNER TO {}"), ("v", "ALTER VIEW {} OWNER TO {}"),
                                     ("m", "ALTER MATERIALIZED VIEW {} OWNER TO {}"), ("S", "ALTER SEQUENCE {} OWNER TO {}")):
                # a table's owner change also moves the sequences its columns own (those refuse one of their own)
                for name in schema_relations(cursor, kinds, free_sequences_only=kinds == "S"):
                    cursor.execute(sql.SQL(statement).format(sql.Identifier(name), O))
                    done["owned"] += 1
            # what the owner's future migrations create is granted to the runtime role without another run
            cursor.execute(sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(O, R))
            cursor.execute(sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
            ).format(O, R))
        # Nobody but the owner creates objects in public (PostgreSQL < 15 let every role do it).
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(db), R))
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(R))
        cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(R))
        tables = schema_relations(cursor, "rpvm")
        for name in tables:
            T = sql.Identifier(name)
            cursor.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(T, R))
            grant = "SELECT, INSERT" if name in APPEND_ONLY_TABLES else "SELECT, INSERT, UPDATE, DELETE"
            cursor.execute(sql.SQL(f"GRANT {grant} ON TABLE {{}} TO {{}}").format(T, R))
            cursor.execute(sql.SQL("REVOKE TRUNCATE ON TABLE {} FROM PUBLIC").format(T))
        done["tables"] = len(tables)
        cursor.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(R))
    return done


class Command(BaseCommand):
    help = "Create or fix the database owner role and the application's runtime role, and their privileges."

    def add_arguments(self, parser):
        parser.add_argument("--runtime", required=True, help="the role Uvicorn, Celery and beat connect as")
        parser.add_argument("--owner", help="the role that owns the tables and runs migrate")
        parser.add_argument("--runtime-password-env", help="environment variable holding the runtime role's password")
        parser.add_argument("--owner-password-env", help="environment variable holding the owner role's password")

    def handle(self, *, runtime, owner, runtime_password_env, owner_password_env, **options):
        def password(var):
            if not var:
                return None
            if not os.environ.get(var):
                raise CommandError(f"{var} is not set.")
            return os.environ[var]

        done = apply_roles(runtime=runtime, owner=owner, runtime_password=password(runtime_password_env),
                           owner_password=password(owner_password_env))
        created = ", ".join(done["created"]) or "none"
        self.stdout.write(f"db_roles: roles created: {created}; {done['owned']} relations now owned by {owner or '(unchanged)'}; "
                          f"{done['tables']} tables granted to {runtime}")
