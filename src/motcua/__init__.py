"""motcua: Vietnam's administrative procedures, end to end."""

__version__ = "0.1.0"
