"""Paging for portal pages: every list answers a page at a time, never all its rows."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PORTAL_PAGE_SIZE = 25


def page_of(
    request: HttpRequest, items, *, per_page: int = PORTAL_PAGE_SIZE, param: str = "page"
) -> Page:
    """The page of `items` named by `?page=` (or `param`, where a page has several lists):
    the first for a bad one, the last past the end."""
    return Paginator(items, per_page).get_page(request.GET.get(param))
