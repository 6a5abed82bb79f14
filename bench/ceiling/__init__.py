"""The framework ceiling of the dossier benchmarks: the product's stack plus two bare endpoints.

Served only by `bench.dossier_submit`, never by the product: `bench.ceiling.settings` is the
product's settings with ROOT_URLCONF pointing at `bench.ceiling.urls` (the product's URLs plus
/bench/ceiling/rows). The same granian process answers both, so the two are measured side by side.
"""
