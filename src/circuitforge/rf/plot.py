"""S-parameter plots of filter networks (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_networks"]


def plot_networks(path: str | Path, networks: dict, *, title: str = "", spec=None) -> Path:  # noqa: ANN001
    """|S21| and |S11| in dB of each named network (spec bands shaded when given) to ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    styles = ["-", "--", ":", "-."]
    for k, (name, net) in enumerate(networks.items()):
        f = net.f / 1e9
        ax.plot(f, np.maximum(net.s_db[:, 1, 0], -80), styles[k % 4], color="C0", label=f"|S21| {name}")
        ax.plot(f, np.maximum(net.s_db[:, 0, 0], -80), styles[k % 4], color="C3", label=f"|S11| {name}")
    if spec is not None:
        lo, hi = spec.passband()
        ax.axvspan(lo / 1e9, hi / 1e9, color="C2", alpha=0.12, label="passband")
        for a, b in spec.stopbands():
            ax.hlines(-spec.rejection_db, a / 1e9, b / 1e9, colors="k", linestyles="--", linewidth=1)
    ax.set_xlabel("frequency (GHz)")
    ax.set_ylabel("dB")
    ax.set_ylim(-80, 2)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    if title:
        import textwrap
        ax.set_title("\n".join(textwrap.wrap(title, 90)), fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
