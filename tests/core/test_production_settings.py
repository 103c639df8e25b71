"""Production settings: `check --deploy` clean, and no development default reaches production (issue 14)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SETTINGS_MODULE": "dispatch.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "112.example.go.id",
    "DATABASE_URL": "postgis://dispatch_app:s3cret@127.0.0.1:5432/dispatch112",
    "REDIS_URL": "redis://:r3dis@127.0.0.1:6379/0",
    "DJANGO_BEHIND_TLS_PROXY": "true",
    "CSRF_TRUSTED_ORIGINS": "https://112.example.go.id",
}


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEMO_PASSWORD", "DJANGO_SETTINGS_MODULE")}
    env.update(GOOD)
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    for k, v in env_overrides.items():
        if v is None:
            env.pop(k, None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "override, complaint",
    [
        ({"DATABASE_URL": "postgis://postgres@127.0.0.1:5432/dispatch112"}, "DATABASE_URL"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "REDIS_URL"),
        ({"DEMO_PASSWORD": "demo112"}, "DEMO_PASSWORD"),
        ({"DJANGO_SECRET_KEY": "insecure-dev-key-do-not-use-in-production"}, "DJANGO_SECRET_KEY"),
        # issue 28: gateway secrets too short to resist guessing, and no development CSRF origins in production
        ({"AML_SHARED_SECRET": "s3cret-aml"}, "AML_SHARED_SECRET"),
        ({"VOLUNTEER_SMS_SECRET": "sms-secret"}, "VOLUNTEER_SMS_SECRET"),
        ({"AML_GATEWAYS": '{"short": ["pky"]}'}, "AML_GATEWAYS"),
        ({"HEALTH_TOKEN": "tok-123"}, "HEALTH_TOKEN"),
        ({"CSRF_TRUSTED_ORIGINS": None}, "CSRF_TRUSTED_ORIGINS"),
        ({"CSRF_TRUSTED_ORIGINS": "http://112.example.go.id"}, "CSRF_TRUSTED_ORIGINS"),
    ],
    ids=["superuser-db", "no-db-url", "redis-without-password", "demo-password", "dev-secret", "short-aml-secret", "short-sms-secret",
         "short-gateway-key", "short-health-token", "no-csrf-origins", "plain-http-csrf-origin"],
)
def test_production_refuses_development_defaults(override, complaint):
    result = _manage("check", **override)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr


def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy():
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    behind = _manage("shell", "-c", code)
    direct = _manage("shell", "-c", code, DJANGO_BEHIND_TLS_PROXY="false")
    assert "HTTP_X_FORWARDED_PROTO" in behind.stdout, behind.stderr
    assert direct.stdout.strip().splitlines()[-1] == "None", direct.stderr


def test_long_gateway_secrets_and_the_deployments_csrf_origins_are_accepted():
    code = "from django.conf import settings; print(settings.CSRF_TRUSTED_ORIGINS)"
    result = _manage("shell", "-c", code, AML_SHARED_SECRET="a" * 40, VOLUNTEER_SMS_SECRET="b" * 32,
                     AML_GATEWAYS='{"' + "c" * 48 + '": ["pky"]}', HEALTH_TOKEN="d" * 32)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['https://112.example.go.id']"
