"""Op-amp device sizing: specs, sizing problems derived from netlists, gymnasium environments, SB3 agents
and baseline optimizers (the public API is re-exported by :mod:`circuitforge.rl`)."""
