"""Public pages. Interface layer: reads through selectors, writes through services."""

from motcua.portal.views.catalog import procedure_detail_view, procedure_list_view
from motcua.portal.views.home import health_view, home_view

__all__ = ["health_view", "home_view", "procedure_detail_view", "procedure_list_view"]
