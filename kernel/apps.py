from django.apps import AppConfig


class KernelConfig(AppConfig):
    """Infrastructure every app may use and that uses no app: the page cache, images,
    security, languages and page metadata. An app only for its template tags and receivers."""

    name = "kernel"
    verbose_name = "Kernel"

    def ready(self):
        # The security log's receivers (sign-ins, sign-outs, failures, password changes), and
        # `check --deploy`'s question to the rate-limit Redis (it must never evict).
        # The admin search's `unaccent` transform and SQLite's function of that name.
        from kernel import checks, search, security  # noqa: F401
