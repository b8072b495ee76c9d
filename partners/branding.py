"""The vendor's logo for documents rendered off-line (PDFs): embedded, never fetched."""

import base64
import mimetypes

from tenants.models import Tenant

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}


def logo_data_uri(tenant: Tenant) -> str:
    """The tenant's logo as a data: URI read from storage, or "" (no logo, or unreadable).

    A PDF renderer fetching the logo by URL would depend on the site answering its own
    request (and on DNS, TLS, the network); read from storage, the PDF is the same every time.
    """
    logo = tenant.logo
    content_type, _ = mimetypes.guess_type(logo.name) if logo else (None, None)
    if content_type not in LOGO_TYPES:
        return ""
    try:
        with logo.open("rb") as file:
            data = file.read()
    except OSError:  # a missing file prints the vendor's name instead of failing the document
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
