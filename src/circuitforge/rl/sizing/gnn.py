"""The transferable sizing policy: a graph actor-critic for stable-baselines3 over :mod:`.graphtask`'s layout.

:class:`GraphSizingPolicy` is an SB3 ``ActorCriticPolicy`` whose extractor
unpacks the flat observation of :class:`~circuitforge.rl.sizing.graphtask.GraphSizingTask`
into node features, a row-normalised adjacency, a node mask and the global
spec/measurement features, and runs ``layers`` rounds of message passing
(``h <- h + relu(W_s h + W_n A h + W_g g)``, every node also seeing the
globals). The actor is one head shared by every node: a node's mean move
depends on its own embedding only, so the policy is the same function for a
5-parameter and a 30-parameter op-amp, and the order of the parameters does
not matter. One log standard deviation is shared by all nodes. The critic
pools the present nodes (mean and max) with the globals. Padded slots have
mean 0 and are left out of the log-probability and entropy
(:class:`MaskedDiagGaussian`), so they add nothing to PPO's ratio.

>>> import torch
>>> from circuitforge.rl.sizing.graphtask import MAX_PARAMS, NODE_FEATURES
>>> ext = GraphExtractor(MAX_PARAMS, NODE_FEATURES, 13, hidden=16, layers=2)
>>> obs = torch.zeros(3, MAX_PARAMS * (NODE_FEATURES + MAX_PARAMS + 1) + 13)
>>> pi, vf = ext(obs)
>>> tuple(pi.shape), tuple(vf.shape)
((3, 544), (3, 16))
"""

from __future__ import annotations

from typing import Any

import torch
from stable_baselines3.common.distributions import DiagGaussianDistribution
from stable_baselines3.common.policies import ActorCriticPolicy
from torch import nn

from .graphtask import MAX_PARAMS, NODE_FEATURES

__all__ = ["GraphExtractor", "GraphSizingPolicy", "MaskedDiagGaussian"]


class GraphExtractor(nn.Module):
    """Message passing over the parameter graph; ``forward`` gives (actor latent, critic latent).

    Actor latent: the node embeddings (``slots x hidden``, flattened) then the node mask
    (``slots``); critic latent: ``hidden`` values from the pooled graph and the globals.
    """

    def __init__(self, slots: int, node_features: int, globals_: int, hidden: int = 64, layers: int = 3):
        super().__init__()
        self.slots, self.nf, self.ng, self.hidden = slots, node_features, globals_, hidden
        self.embed = nn.Sequential(nn.Linear(node_features + globals_, hidden), nn.ReLU())
        self.self_ = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(layers))
        self.neigh = nn.ModuleList(nn.Linear(hidden, hidden, bias=False) for _ in range(layers))
        self.glob = nn.ModuleList(nn.Linear(globals_, hidden, bias=False) for _ in range(layers))
        self.critic = nn.Sequential(nn.Linear(2 * hidden + globals_, hidden), nn.Tanh(),
                                    nn.Linear(hidden, hidden), nn.Tanh())
        self.latent_dim_pi = slots * hidden + slots
        self.latent_dim_vf = hidden

    def split(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        m, f = self.slots, self.nf
        b = obs.shape[0]
        i = m * f
        x = obs[:, :i].reshape(b, m, f)
        adj = obs[:, i:i + m * m].reshape(b, m, m)
        mask = obs[:, i + m * m:i + m * m + m]
        g = obs[:, i + m * m + m:]
        return x, adj, mask, g

    def nodes(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, adj, mask, g = self.split(obs)
        gb = g.unsqueeze(1).expand(-1, self.slots, -1)
        h = self.embed(torch.cat([x, gb], -1)) * mask.unsqueeze(-1)
        for ws, wn, wg in zip(self.self_, self.neigh, self.glob):
            h = h + torch.relu(ws(h) + wn(adj @ h) + wg(g).unsqueeze(1))
            h = h * mask.unsqueeze(-1)
        return h, mask, g

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, mask, g = self.nodes(obs)
        return self._pi(h, mask), self._vf(h, mask, g)

    def _pi(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.cat([h.reshape(h.shape[0], -1), mask], -1)

    def _vf(self, h: torch.Tensor, mask: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        n = mask.sum(1, keepdim=True).clamp(min=1.0)
        mean = h.sum(1) / n
        big = h.masked_fill(mask.unsqueeze(-1) < 0.5, -1e4).max(1).values
        big = torch.where(n > 0, big, torch.zeros_like(big))
        return self.critic(torch.cat([mean, big, g], -1))

    def forward_actor(self, obs: torch.Tensor) -> torch.Tensor:
        h, mask, _ = self.nodes(obs)
        return self._pi(h, mask)

    def forward_critic(self, obs: torch.Tensor) -> torch.Tensor:
        h, mask, g = self.nodes(obs)
        return self._vf(h, mask, g)


class NodeHead(nn.Module):
    """The per-node mean move: one small MLP applied to every node embedding."""

    def __init__(self, slots: int, hidden: int):
        super().__init__()
        self.slots, self.hidden = slots, hidden
        self.net = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        h = latent[:, : self.slots * self.hidden].reshape(latent.shape[0], self.slots, self.hidden)
        return self.net(h).squeeze(-1)


class MaskedDiagGaussian(DiagGaussianDistribution):
    """A diagonal Gaussian whose log-probability and entropy count the present nodes only."""

    def __init__(self, action_dim: int):
        super().__init__(action_dim)
        self.mask: torch.Tensor | None = None

    def proba_distribution(self, mean_actions: torch.Tensor, log_std: torch.Tensor,  # type: ignore[override]
                           mask: torch.Tensor | None = None) -> MaskedDiagGaussian:
        super().proba_distribution(mean_actions, log_std)
        self.mask = mask
        return self

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        lp = self.distribution.log_prob(actions)
        return (lp * self.mask).sum(-1) if self.mask is not None else lp.sum(-1)

    def entropy(self) -> torch.Tensor:
        e = self.distribution.entropy()
        return (e * self.mask).sum(-1) if self.mask is not None else e.sum(-1)


class GraphSizingPolicy(ActorCriticPolicy):
    """SB3 actor-critic over the graph layout (module docstring); ``hidden``/``layers`` size the GNN."""

    def __init__(self, observation_space: Any, action_space: Any, lr_schedule: Any, *, hidden: int = 64,
                 layers: int = 3, slots: int = MAX_PARAMS, node_features: int = NODE_FEATURES, **kw: Any):
        self.gnn_hidden, self.gnn_layers = int(hidden), int(layers)
        self.slots, self.node_features = int(slots), int(node_features)
        super().__init__(observation_space, action_space, lr_schedule, **kw)

    def _build_mlp_extractor(self) -> None:
        size = int(self.observation_space.shape[0])
        globals_ = size - self.slots * (self.node_features + self.slots + 1)
        self.mlp_extractor = GraphExtractor(self.slots, self.node_features, globals_, self.gnn_hidden,
                                            self.gnn_layers)

    def _build(self, lr_schedule: Any) -> None:
        self.action_dist = MaskedDiagGaussian(self.slots)
        super()._build(lr_schedule)
        self.action_net = NodeHead(self.slots, self.gnn_hidden)
        self.log_std = nn.Parameter(torch.full((1,), float(self.log_std_init)))
        if self.ortho_init:
            from functools import partial

            self.action_net.apply(partial(self.init_weights, gain=0.01))
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_action_dist_from_latent(self, latent_pi: torch.Tensor) -> MaskedDiagGaussian:  # type: ignore[override]
        mask = latent_pi[:, -self.slots:]
        mean = self.action_net(latent_pi) * mask
        dist = self.action_dist
        assert isinstance(dist, MaskedDiagGaussian)
        return dist.proba_distribution(mean, self.log_std.expand(self.slots), mask)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data.update(hidden=self.gnn_hidden, layers=self.gnn_layers, slots=self.slots,
                    node_features=self.node_features)
        return data
