"""docker-compose.yml runs no process as a database superuser (issue 14; docs/deploy.md section 4).

No Docker engine here: the file is read as the data it is. Every service built from the application image
connects as the runtime role; only the one-shot `migrate` service touches the superuser and the owner, and it
makes the roles before and after migrating.
"""
from pathlib import Path

import yaml

COMPOSE = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
APP_SERVICES = {name: s for name, s in COMPOSE["services"].items() if s.get("image") == "dispatch112:latest"}


def _command(service) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_every_running_process_connects_as_the_runtime_role():
    running = {n: s for n, s in APP_SERVICES.items() if n != "migrate"}
    assert {"web", "worker", "worker-timers", "beat"} <= set(running)
    for name, service in running.items():
        url = service["environment"]["DATABASE_URL"]
        assert url.startswith("postgis://dispatch_app:${DB_RUNTIME_PASSWORD"), (name, url)
        assert "manage.py migrate --noinput" not in _command(service), name
        assert "SUPERUSER_DATABASE_URL" not in service["environment"], name


def test_migrate_makes_the_roles_then_migrates_as_the_owner_and_runs_first():
    migrate = APP_SERVICES["migrate"]
    command = _command(migrate)
    first_roles = command.index('DATABASE_URL="$$SUPERUSER_DATABASE_URL" $$roles')
    migrating = command.index('DATABASE_URL="$$OWNER_DATABASE_URL" python manage.py migrate')
    assert first_roles < migrating < command.rindex('DATABASE_URL="$$SUPERUSER_DATABASE_URL" $$roles')
    assert "--runtime dispatch_app" in command and "--owner dispatch_owner" in command
    assert "password-env" in command and "${DB_RUNTIME_PASSWORD}" not in command  # passwords never on a command line
    assert migrate["environment"]["OWNER_DATABASE_URL"].startswith("postgis://dispatch_owner:")
    assert COMPOSE["services"]["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
