from django import template

from measures import selectors

register = template.Library()


@register.simple_tag(name="reference_date")
def reference_date_tag():
    """The peildatum, for "Stand van zaken per ..." on every page: ``{% reference_date as d %}``."""
    return selectors.reference_date()
