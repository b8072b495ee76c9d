from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the reference tenants; it may import every app, and none imports it."""

    name = "demo"
