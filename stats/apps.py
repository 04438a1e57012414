from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete


def _schedule_after_migrate(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    # Imported late: the scheduling module needs the app registry.
    from stats.collection.scheduling import collection_schedule_post_migrate
    from stats.notify.scheduling import notify_schedules_post_migrate

    collection_schedule_post_migrate(using=using)
    notify_schedules_post_migrate(using=using)


class StatsConfig(AppConfig):
    name = "stats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every `migrate` creates/updates the collection Schedule (COLLECT_SCHEDULE) and the notification ones.
        post_migrate.connect(_schedule_after_migrate, sender=self, dispatch_uid="stats.collection_schedule")
        # Removing a repository deletes its history: its tenant's rollups follow (repos cannot import stats).
        from stats.collection.rollups import repository_post_delete, repository_pre_delete

        pre_delete.connect(repository_pre_delete, sender="repos.Repository", dispatch_uid="stats.rollups_pre_delete")
        post_delete.connect(repository_post_delete, sender="repos.Repository", dispatch_uid="stats.rollups_post_delete")
        # A snapshot saved one by one (admin, fixtures, tests) moves its repository's latest-snapshot
        # pointer too; the collection's bulk writes call rollups.latest_snapshot_note themselves.
        from stats.collection.rollups import snapshot_post_save

        for model in ("stats.ReferrerSnapshot", "stats.PathSnapshot"):
            post_save.connect(snapshot_post_save, sender=model, dispatch_uid=f"stats.latest_{model}")
