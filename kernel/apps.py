from django.apps import AppConfig


class KernelConfig(AppConfig):
    """Infrastructure every app may use and that uses no app: the page cache, images,
    security, languages and page metadata. An app only for its template tags and receivers."""

    name = "kernel"
    verbose_name = "Kernel"

    def ready(self):
        # Receivers for the security log: sign-ins, sign-outs, failures, password changes.
        from kernel import security  # noqa: F401
