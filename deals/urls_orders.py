"""URLs for orders (portal pages under /<tenant>/portal/, API under /<tenant>/api/v1/).

Orders are the vendor's records: there are no portal pages, and the API is for staff
and API keys. One view per operation: a list is `things/`, its create `things/create/`.
"""

from django.urls import path

from deals.api import orders as api

portal_urlpatterns: list = []
api_urlpatterns = [
    path("customers/", api.CustomerListApi.as_view(), name="api_customer_list"),
    path("customers/create/", api.CustomerUpsertApi.as_view(), name="api_customer_upsert"),
    path("products/", api.ProductListApi.as_view(), name="api_product_list"),
    path("products/create/", api.ProductCreateApi.as_view(), name="api_product_create"),
    path("orders/", api.OrderListApi.as_view(), name="api_order_list"),
    path("orders/create/", api.OrderCreateApi.as_view(), name="api_order_create"),
    path("orders/<int:pk>/", api.OrderDetailApi.as_view(), name="api_order_detail"),
    path(
        "orders/<int:pk>/completion/",
        api.OrderCompletionApi.as_view(),
        name="api_order_completion",
    ),
    path("orders/<int:pk>/refunds/create/", api.OrderRefundApi.as_view(), name="api_order_refund"),
]
