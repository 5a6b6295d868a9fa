from django import template

from khaibao.notify.gsm import gsm_fold

register = template.Library()


@register.filter
def gsm(value) -> str:
    """{{ person.full_name|gsm }}: a value written without diacritics for an SMS."""
    return gsm_fold(value)
