"""`{% pager page_obj "page" "Pages of the directory" %}`: a paged list's links. Where a page
holds several lists, each has its own query parameter ("lines_page") and its links keep
the others' pages."""

from django import template

register = template.Library()


@register.inclusion_tag("_pager.html", takes_context=True)
def pager(context, page_obj, param: str = "page", label: str = "Pages") -> dict:
    query = context["request"].GET

    def href(number: int) -> str:
        params = query.copy()
        params[param] = number
        return "?" + params.urlencode()

    paginator = page_obj.paginator
    return {
        "page_obj": page_obj,
        "label": label,
        "first": href(1) if page_obj.has_previous() else "",
        "previous": href(page_obj.previous_page_number()) if page_obj.has_previous() else "",
        "next": href(page_obj.next_page_number()) if page_obj.has_next() else "",
        "last": href(paginator.num_pages) if page_obj.has_next() else "",
    }
