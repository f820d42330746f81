"""Settings come from the environment: each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from etoile_app.settings import env_site_url

PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']['ENGINE'], "
    "'cache': settings.CACHES['default']['BACKEND'], 'hosts': settings.ALLOWED_HOSTS, "
    "'db_name': settings.DATABASES['default']['NAME'], 'email': settings.EMAIL_BACKEND, "
    "'media': str(settings.MEDIA_ROOT), 'ssl_redirect': settings.SECURE_SSL_REDIRECT, "
    "'storage': settings.STORAGES['default'], 'pages': settings.CACHES['pages']['BACKEND']}))"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def run_with_env(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.pop("REDIS_URL", None)
    clean.pop("RATELIMIT_REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "etoile_app.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_under(**env) -> dict:
    result = run_with_env(PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_defaults_are_sqlite_the_database_cache_and_console_email():
    values = settings_under()
    assert values["debug"] is True
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["ssl_redirect"] is False


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with_env(PRINT_SETTINGS, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_from_the_environment():
    values = settings_under(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="etoile.example, www.etoile.example",
        DATABASE_URL="postgres://etoile@db.internal:5432/etoile",
        REDIS_URL="redis://cache.internal:6379/0",
        MEDIA_ROOT="/srv/etoile/media",
        ETOILE_SITE_URL="https://etoile.example",
    )
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "etoile"
    assert values["cache"] == "kernel.cache.ReusedClientRedisCache"  # Django's RedisCache
    assert values["hosts"] == ["etoile.example", "www.etoile.example"]
    assert values["media"] == "/srv/etoile/media"
    assert values["ssl_redirect"] is True


PRINT_SITE_URL = "import django; from django.conf import settings; django.setup(); print(settings.ETOILE_SITE_URL)"


def test_emails_link_to_runserver_in_development_and_to_the_named_address_in_production():
    """Links in emails lead to ETOILE_SITE_URL, never to the Host a request names."""
    development = run_with_env(PRINT_SITE_URL)
    assert development.returncode == 0, development.stderr
    assert development.stdout.strip() == "http://127.0.0.1:8000"

    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60}
    unnamed = run_with_env(PRINT_SITE_URL, **production)
    assert unnamed.returncode != 0
    assert "ETOILE_SITE_URL must be set when DJANGO_DEBUG is off" in unnamed.stderr

    named = run_with_env(PRINT_SITE_URL, **production, ETOILE_SITE_URL="https://etoile.example/")
    assert named.returncode == 0, named.stderr
    assert named.stdout.strip() == "https://etoile.example"


def test_a_site_address_that_is_not_a_scheme_and_a_host_is_an_error(monkeypatch):
    for address in ["etoile.example", "https://etoile.example/fr/", "https://etoile.example:x"]:
        monkeypatch.setenv("ETOILE_SITE_URL", address)
        with pytest.raises(ImproperlyConfigured, match="must be a scheme and a host"):
            env_site_url("ETOILE_SITE_URL", "http://127.0.0.1:8000")


def test_a_mistyped_boolean_is_an_error_not_a_guess():
    result = run_with_env(PRINT_SETTINGS, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_production_settings_pass_the_deployment_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "a-long-random-production-key-" + uuid.uuid4().hex * 2,
            "DJANGO_ALLOWED_HOSTS": "etoile.example",
            "ETOILE_SITE_URL": "https://etoile.example",
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


def test_the_redis_cache_stores_and_reads_back():
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    key = f"etoile-test-{uuid.uuid4().hex}"
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"cache.set('{key}', 'pointe', 30); print(cache.get('{key}')); cache.delete('{key}')"
    )
    result = run_with_env(code, REDIS_URL=REDIS_URL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pointe"


def test_the_redis_cache_keeps_one_client_and_still_reads_and_writes():
    """kernel/cache.py: one redis.Redis per pool instead of one per command."""
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    from django.core.cache.backends.redis import RedisCache

    from kernel.cache import ReusedClientRedisCache

    cache = ReusedClientRedisCache(REDIS_URL, {"KEY_PREFIX": f"etoile-test-{uuid.uuid4().hex}"})
    assert isinstance(cache, RedisCache)
    cache.set("step", "pointe", 30)
    cache.set_many({"a": 1, "b": 2}, 30)
    assert cache.get("step") == "pointe"
    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": 2}
    assert cache.incr("a") == 2
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)
    cache.delete_many(["step", "a", "b"])
    assert cache.get("step") is None


def test_the_redis_cache_writes_versions_kept_forever_in_one_command():
    """kernel/cache.py: set_many without a lifetime (the page groups' versions, at each
    write) is one MSET, not Django's MULTI, MSET, EXEC; what it wrote reads back and stays."""
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    from kernel.cache import ReusedClientRedisCache

    cache = ReusedClientRedisCache(REDIS_URL, {"KEY_PREFIX": f"etoile-test-{uuid.uuid4().hex}"})
    client = cache._cache.get_client(write=True)
    sent = []
    execute = client.execute_command

    def watched(*args, **options):
        sent.append(args[0])
        return execute(*args, **options)

    client.execute_command = watched
    try:
        cache.set_many({"version:episode:3": "a1", "version:season:1": "b2"}, timeout=None)
    finally:
        del client.execute_command
    assert sent == ["MSET"]
    assert cache.get_many(["version:episode:3", "version:season:1"]) == {
        "version:episode:3": "a1",
        "version:season:1": "b2",
    }
    assert client.ttl(cache.make_and_validate_key("version:episode:3")) == -1  # no lifetime
    cache.set_many({"a": 1}, 30)  # with a lifetime: Django's own way, each key's EXPIRE
    assert 0 < client.ttl(cache.make_and_validate_key("a")) <= 30
    cache.delete_many(["version:episode:3", "version:season:1", "a"])


def test_uploads_go_to_an_s3_bucket_when_one_is_named_and_to_disk_otherwise():
    on_disk = settings_under()
    assert on_disk["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    in_bucket = settings_under(
        AWS_STORAGE_BUCKET_NAME="etoile-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
        AWS_S3_CUSTOM_DOMAIN="media.etoile.example",
    )
    assert in_bucket["storage"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "etoile-media",
            "endpoint_url": "https://s3.example.net",
            "custom_domain": "media.etoile.example",
            "file_overwrite": False,
            "querystring_auth": False,
        },
    }


def test_visitors_pages_have_a_cache_of_their_own_in_redis_when_it_is_set():
    values = settings_under(REDIS_URL=REDIS_URL)
    assert values["cache"] == values["pages"] == "kernel.cache.ReusedClientRedisCache"
    values = settings_under()
    assert values["pages"] == "django.core.cache.backends.db.DatabaseCache"


def test_rate_limits_take_the_redis_named_for_them_and_pages_the_other():
    """docs/DEPLOY.md, "Redis: two instances": allauth counts in the default cache."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({a: settings.CACHES[a]['LOCATION'] for a in ('default', 'pages')}))"
    )
    two = run_with_env(
        code,
        REDIS_URL="redis://pages.internal:6379/0",
        RATELIMIT_REDIS_URL="redis://limits.internal:6380/0",
    )
    assert two.returncode == 0, two.stderr
    assert json.loads(two.stdout) == {
        "default": "redis://limits.internal:6380/0",
        "pages": "redis://pages.internal:6379/0",
    }
    one = run_with_env(code, REDIS_URL="redis://cache.internal:6379/0")  # development
    assert json.loads(one.stdout) == {
        "default": "redis://cache.internal:6379/0",
        "pages": "redis://cache.internal:6379/0",
    }
