"""The checkbox groups of the public filter forms (activities, changes), in Python.

Rendered by the template engine, the three groups of the activity list cost about a millisecond
of every uncached list page (a loop, ids and a membership test per checkbox); written out here
they cost a tenth of that. The markup is what templates/includes/_checkbox_group.html gave.
"""

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def checkbox_group(field: BoundField, choices: list[tuple[str, str]] | None = None) -> SafeString:
    """``{% checkbox_group form.status %}``: a multiple-choice filter as a fieldset of checkboxes,
    with the names, ids ("id_<name>_<n>") and checked state CheckboxSelectMultiple gives.

    ``choices``: the (value, label) pairs when the page has them already (the activity list
    keeps them per data version, ``ActivityFilterSet.checkbox_choices``); else the field's.
    """
    if choices is None:
        choices = [(str(value), str(label)) for value, label in field.field.choices]
    chosen = {str(value) for value in field.value() or []}
    name, auto_id = escape(field.html_name), escape(field.auto_id)
    described, error = "", ""
    if field.errors:
        described = f' aria-describedby="{auto_id}-error"'
        error = (
            f'<p class="field-error" id="{auto_id}-error"><span class="visually-hidden">Fout: '
            f"</span>{' '.join(conditional_escape(message) for message in field.errors)}</p>"
        )
    boxes = "".join(
        f'\n    <li class="checkbox"><input type="checkbox" name="{name}" '
        f'value="{escape(value)}" id="{auto_id}_{n}"{" checked" if value in chosen else ""}>'
        f'<label for="{auto_id}_{n}">{escape(label)}</label></li>\n    '
        for n, (value, label) in enumerate(choices)
    )
    # Every value above is escaped.
    return mark_safe(  # noqa: S308
        f'\n<fieldset class="filter-group"{described}>\n  <legend>{escape(field.label)}</legend>\n'
        f'  {error}\n  <ul class="checkbox-list">\n    {boxes}\n  </ul>\n</fieldset>\n'
    )
