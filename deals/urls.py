"""All deals URLs, gathered from one module per concept."""

from deals.urls_imports import api_urlpatterns as import_api
from deals.urls_imports import portal_urlpatterns as import_portal
from deals.urls_orders import api_urlpatterns as order_api
from deals.urls_orders import portal_urlpatterns as order_portal
from deals.urls_registrations import api_urlpatterns as registration_api
from deals.urls_registrations import portal_urlpatterns as registration_portal

portal_urlpatterns = [*registration_portal, *order_portal, *import_portal]
api_urlpatterns = [*registration_api, *order_api, *import_api]
