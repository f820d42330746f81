"""`check --deploy` asks the jobs' Redis (ETOILE_JOBS_REDIS_URL) how it is configured.

RQ keeps every queued job in Redis: one that evicts keys under memory pressure loses jobs
(an email never sent, an import that never ends), and one that keeps nothing on disk loses
them all when it restarts. INFO is asked rather than CONFIG GET, which managed Redis services
often disable."""

import redis
from django.conf import settings
from django.core.checks import Tags, Warning, register

LAYOUT = "docs/DEPLOY.md, 'Workers'"


@register(Tags.caches, deploy=True)
def job_queue_keeps_its_jobs(app_configs=None, **kwargs) -> list[Warning]:
    if not settings.JOBS_REDIS_URL:
        return []  # the database queue: jobs are rows, kept as the data is
    try:
        client = redis.Redis.from_url(
            settings.JOBS_REDIS_URL, socket_timeout=settings.REDIS_TIMEOUT_SECONDS
        )
        memory = client.info("memory")
        persistence = client.info("persistence")
    except redis.RedisError as error:
        return [
            Warning(
                f"Could not ask the jobs' Redis (ETOILE_JOBS_REDIS_URL) how it keeps its data: "
                f"{error}.",
                hint=f"It must answer INFO, never evict and keep an append-only file: {LAYOUT}.",
                id="etoile.W004",
            )
        ]
    warnings = []
    policy = memory.get("maxmemory_policy")
    if policy != "noeviction":
        warnings.append(
            Warning(
                f"The jobs' Redis evicts keys (maxmemory-policy {policy}): a full Redis would "
                f"drop queued jobs, such as emails.",
                hint=f"Set maxmemory-policy noeviction on that instance: {LAYOUT}.",
                id="etoile.W005",
            )
        )
    if not persistence.get("aof_enabled"):
        warnings.append(
            Warning(
                "The jobs' Redis keeps no append-only file: a restart loses every queued job.",
                hint=f"Set appendonly yes on that instance: {LAYOUT}.",
                id="etoile.W006",
            )
        )
    return warnings
