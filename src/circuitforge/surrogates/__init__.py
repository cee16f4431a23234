"""Neural EM surrogates (geometry → S-parameters), trained on :mod:`circuitforge.rf` data.

Not built yet: see the RF issue.
"""
__all__: list[str] = []
