from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _schedule_after_migrate(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    # Imported late: the scheduling module needs the app registry.
    from stats.collection.scheduling import collection_schedule_post_migrate

    collection_schedule_post_migrate(using=using)


class StatsConfig(AppConfig):
    name = "stats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every `migrate` creates/updates the daily collection Schedule from COLLECT_SCHEDULE.
        post_migrate.connect(_schedule_after_migrate, sender=self, dispatch_uid="stats.collection_schedule")
