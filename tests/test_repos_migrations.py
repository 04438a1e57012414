"""Data migrations of the repos app."""

from __future__ import annotations

import importlib

from django.apps import apps

from repos.models import Repository

classify = importlib.import_module("repos.migrations.0003_repository_last_error_code").classify_existing_errors


def test_it_gives_errors_stored_before_codes_their_code(world):
    Repository.objects.filter(pk=world.repo_a.pk).update(last_error="403 must have push access", last_error_code="")
    Repository.objects.filter(pk=world.repo_b.pk).update(last_error="something odd", last_error_code="")
    classify(apps, None)
    assert Repository.objects.get(pk=world.repo_a.pk).last_error_code == "no_push_access"
    assert Repository.objects.get(pk=world.repo_b.pk).last_error_code == ""  # unknown: generic advice
