"""Select widgets that render their options in Python.

Django's ``Select`` renders every ``<option>`` through the template engine (an ``include`` of
``select_option.html`` and of ``attrs.html`` for each): about a quarter of a millisecond an
option, so a form offering a large council's 2,000 plan objectives and 2,000 KPIs spent most
of a second on its ``<select>``s (issue 16). These widgets build the same HTML, byte for byte,
with ``format_html``, which escapes as the template did; ``tests/core/test_widgets.py``
compares them with Django's own.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``: False leaves an attribute out, True writes its name."""
    return mark_safe(  # noqa: S308 - each piece built by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class FastSelectMixin:
    """Renders ``select.html`` and ``select_option.html`` in Python (same markup, same escaping)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',  # select_option.html's own newline
                        str(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append(mark_safe("\n  </optgroup>"))
        parts.append(mark_safe("\n</select>"))
        return mark_safe("".join(conditional_escape(p) for p in parts))  # noqa: S308 - escaped above


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class ColumnsIterator(ModelChoiceIterator):
    """A model field's choices read with only the columns their labels show: offering 2,000
    objectives should not read each one's description, its plan's and its unit's every column."""

    def __init__(self, field, columns):
        super().__init__(field)
        self.queryset = field.queryset.only(*columns)


def offer(field, queryset, label, *columns) -> None:
    """Set a model choice field's queryset and labels, and render its options from ``columns``
    only (the queryset itself, used to check and return the chosen objects, stays whole)."""
    field.queryset = queryset
    field.label_from_instance = label
    field.widget.choices = ColumnsIterator(field, columns)
