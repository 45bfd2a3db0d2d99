"""Filters for the links every page repeats: without tracking parameters (shortscience.tracking_params)."""

from django import template

from shortscience import tracking_params

register = template.Library()
register.filter("query_without_tracking", tracking_params.query_without_tracking)
register.filter("address_without_tracking", tracking_params.address_without_tracking)
