"""Topology generators (grammar-guided) and the link predictor.

Not built yet: see the generator and link-prediction issues.
"""
__all__: list[str] = []
