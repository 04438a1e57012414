"""Notification pages: a member's preferences, the weekly digest's preview, the tenant's alert webhook
(admins), and the one-click unsubscribe link of the e-mails."""

from __future__ import annotations

from csp.decorators import csp_update
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stats.models import AlertWebhook
from stats.notify import services
from stats.notify.delivery import webhook_post
from stats.notify.digest import digest_context, digest_for
from stats.notify.preferences import KINDS, preference_of, unsubscribe_target
from stats.traffic.periods import today_utc
from tenants.access import TenantAccess
from tenants.decorators import tenant_role_required
from tenants.models import Role
from tenants.scoping import tenant_scope


class PreferencesForm(forms.Form):
    spike_email = forms.BooleanField(required=False, label=KINDS["spike_email"],
                                     help_text="An e-mail when one of your repositories gets far more views or clones "
                                               "than usual, with the likely cause.")
    weekly_digest = forms.BooleanField(required=False, label=KINDS["weekly_digest"],
                                       help_text="Every Monday: last week's totals, top repositories and referrers, "
                                                 "spikes, and anything at risk.")
    warning_email = forms.BooleanField(required=False, label=KINDS["warning_email"],
                                       help_text="A token about to expire (14 and 3 days ahead), a suspended or "
                                                 "revoked GitHub App, repositories the credential lost access to.")


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, label="Webhook URL", assume_scheme="https",
                         help_text="Receives a signed JSON POST per check with spikes (a 'text' field for "
                                   "Slack, Teams and Matrix bridges).")
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), label="Signing secret",
                             help_text="Leave empty to keep the current one (a new webhook gets a generated one).")
    enabled = forms.BooleanField(required=False, initial=True)


def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = _access(request)
    membership = access.membership
    assert membership is not None  # the middleware resolved a membership
    preference = preference_of(membership)
    is_admin = access.has_role(Role.ADMIN)
    initial = {kind: getattr(preference, kind) for kind in KINDS}
    form = PreferencesForm(request.POST or None, initial=initial)
    if not is_admin:
        del form.fields["warning_email"]
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(membership=membership, **form.cleaned_data)
        messages.success(request, "Notification settings saved.")
        return redirect("notify-preferences", tenant_slug=tenant_slug)
    return render(request, "notify/preferences.html", {"access": access, "form": form, "is_admin": is_admin})


# The e-mail's own inline styles (mail clients ignore stylesheets): allowed on this page only; still no script.
@csp_update({"style-src": ["'unsafe-inline'"]})
def digest_preview(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """This week's digest as the person looking would receive it (their repositories only)."""
    access = _access(request)
    digest = digest_for(access=access, today=today_utc())
    context = digest_context(digest, membership=None)
    return render(request, "notify/digest_preview.html", {**context, "access": access})


@tenant_role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def alert_webhook(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = _access(request)
    webhook = AlertWebhook.objects.filter(tenant=access.tenant).first()
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "delete":
        services.alert_webhook_delete(tenant=access.tenant)
        messages.success(request, "Alert webhook removed.")
        return redirect("notify-webhook", tenant_slug=tenant_slug)
    if request.method == "POST" and action == "test" and webhook is not None:
        status = webhook_post(webhook=webhook, event="ping", payload={
            "event": "ping", "tenant": {"slug": access.tenant.slug, "name": access.tenant.name},
            "text": f"ghtraffic: test message for {access.tenant.name}", "alerts": [],
        })
        (messages.success if status.isdigit() else messages.error)(request, f"Test message: {status}.")
        return redirect("notify-webhook", tenant_slug=tenant_slug)
    initial = {"url": webhook.url, "enabled": webhook.enabled} if webhook else {"enabled": True}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _saved, secret = services.alert_webhook_set(tenant=access.tenant, **form.cleaned_data)
        except services.WebhookSettingsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Alert webhook saved." + (
                f" Its signing secret (shown once, keep it for the receiver): {secret}" if secret else ""))
            return redirect("notify-webhook", tenant_slug=tenant_slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "notify/webhook.html", {"access": access, "form": form, "webhook": webhook}, status=status)


@csrf_exempt  # a link in an e-mail (GET), or a mail client's RFC 8058 one-click POST: no session, no form
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    target = unsubscribe_target(token)
    if target is None:
        return render(request, "notify/unsubscribed.html", {"invalid": True}, status=404)
    membership, kind = target
    # scope: a public link without a tenant URL; the signed token names the membership, hence its tenant.
    with tenant_scope(membership.tenant):
        services.notification_unsubscribe(membership=membership, kind=kind)
    return render(request, "notify/unsubscribed.html", {"membership": membership, "kind_label": KINDS[kind]})
