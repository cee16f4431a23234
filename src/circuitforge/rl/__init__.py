"""Gymnasium sizing environments, stable-baselines3 agents and baseline optimisers.

Not built yet: see the RL sizing issue.
"""
__all__: list[str] = []
