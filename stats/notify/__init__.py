"""Telling people what happened: credential warnings, traffic alerts and their causes, the weekly digest.

Reads the traffic selectors (stats.traffic) and the collection's freshness; nothing below imports it.
Entry points: `warnings.tenant_warnings` (banner, check_collection), `services` (writes, e-mails), `alerts`
(the daily spike check), `digest` (the weekly e-mail and its preview), `tasks` (django-q2).
"""
