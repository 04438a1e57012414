from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tools (fake GitHub, demo data): used by tests, benchmarks and `make run`, never by the product."""

    name = "devtools"
    verbose_name = "Development tools"
