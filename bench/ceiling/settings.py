"""The product's settings, unchanged but for the URLconf that adds the two ceiling endpoints."""

from motcua.config.settings import *  # noqa: F403 (the product's settings, as they are)

ROOT_URLCONF = "bench.ceiling.urls"
