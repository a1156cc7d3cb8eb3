from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from measures import selectors
from measures.page_cache import remember

register = template.Library()


@register.simple_tag
def reference_date_bar() -> SafeString:
    """ "Stand van zaken per" and "laatst gewijzigd op", on every page: rendered once per data
    version (and process), since the dates change only with the data and their Dutch
    formatting costs more than the rest of the page's header."""
    return remember("reference-date-bar", _render)


def _render() -> SafeString:
    html = render_to_string("includes/_reference_date.html", {"dates": selectors.site_dates()})
    return mark_safe(html.strip())  # noqa: S308 (rendered with autoescape)
