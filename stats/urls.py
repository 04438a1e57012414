from django.urls import URLPattern, URLResolver, path

from stats import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.tenant_dashboard, name="tenant-dashboard"),
    path("traffic/", views.traffic_tables, name="traffic-tables"),
]
