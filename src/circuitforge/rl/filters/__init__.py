"""Microstrip filter design: a gymnasium environment backed by the neural EM surrogate, a PPO agent and
CMA-ES on the same budget; every final design is verified in a real solver (:mod:`circuitforge.rf`)."""
