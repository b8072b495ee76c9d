"""URLs for imports (portal pages under /<tenant>/portal/, API under /<tenant>/api/v1/)."""

portal_urlpatterns: list = []
api_urlpatterns: list = []
