from django import template

from measures import selectors

register = template.Library()


@register.simple_tag(name="site_dates")
def site_dates_tag():
    """ "Stand van zaken per" and "laatst gewijzigd op" for every page (one query):
    ``{% site_dates as dates %}``."""
    return selectors.site_dates()
