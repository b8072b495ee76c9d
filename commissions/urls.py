from django.urls import path

from commissions import api, api_invoices, views

portal_urlpatterns = [
    path("commissions/", views.commissions_page, name="portal_commissions"),
    path(
        "commissions/statements/<int:line_id>.pdf",
        views.statement_download,
        name="portal_statement",
    ),
]

api_urlpatterns = [
    path("partner-invoices/", api_invoices.PartnerInvoiceListApi.as_view(), name="api_invoices"),
    path(
        "partner-invoices/<int:invoice_id>/record-payment/",
        api_invoices.PartnerInvoicePaymentApi.as_view(),
        name="api_invoice_record_payment",
    ),
    path("commission-lines/", api.CommissionLineListApi.as_view(), name="api_commission_lines"),
    path("statements/", api.StatementListApi.as_view(), name="api_statements"),
    path("statements/<int:line_id>/pdf/", api.StatementPdfApi.as_view(), name="api_statement_pdf"),
    path("claims/", api.ClaimListApi.as_view(), name="api_claims"),
    path("payout-batches/", api.BatchListApi.as_view(), name="api_payout_batches"),
    path("payout-batches/<int:batch_id>/", api.BatchDetailApi.as_view(), name="api_payout_batch"),
    # before `<move>/`, which would otherwise take "lines" for a move
    path(
        "payout-batches/<int:batch_id>/lines/",
        api.BatchLineListApi.as_view(),
        name="api_payout_batch_lines",
    ),
    path(
        "payout-batches/<int:batch_id>/<str:move>/",
        api.BatchMoveApi.as_view(),
        name="api_payout_batch_move",
    ),
    path(
        "payout-batches/<int:batch_id>/export.<str:kind>",
        api.BatchExportApi.as_view(),
        name="api_payout_batch_export",
    ),
]
