from django.http import HttpRequest


def tenant(request: HttpRequest) -> dict:
    return {
        "tenant": getattr(request, "tenant", None),
        "staff_membership": getattr(request, "staff_membership", None),
    }
