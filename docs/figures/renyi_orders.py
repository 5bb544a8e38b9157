"""Renyi divergences over their order alpha: nondecreasing, and KL at alpha = 1."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import matplotlib.figure
import torch

from kltutorial import kl_divergence
from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

P = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
Q = torch.tensor([0.25, 0.5, 0.25], dtype=torch.float64)
ALPHA = "\u03b1"

TEXT = {
    "en": {
        "at_one": f"{ALPHA} = 1: KL = {{kl:.4f}}",
        "x": f"order {ALPHA}",
        "y": "divergence (nats)",
    },
    "zh": {
        "at_one": f"{ALPHA} = 1 时 KL = {{kl:.4f}}",
        "x": f"阶数 {ALPHA}",
        "y": "散度（奈特）",
    },
}


def renyi(p: torch.Tensor, q: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """D_alpha(P || Q) for each alpha (alpha != 1), in nats."""
    terms = alpha[:, None] * p.log() + (1 - alpha[:, None]) * q.log()
    return torch.logsumexp(terms, dim=-1) / (alpha - 1)


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """D_alpha(P || Q) and D_alpha(Q || P) for alpha in (0, 4], with the KL values marked."""
    with in_language(TEXT, language) as text:
        alpha = torch.linspace(0.02, 4.0, 400, dtype=torch.float64)
        alpha = alpha[(alpha - 1).abs() > 1e-3]  # the formula is 0/0 at alpha = 1
        fig, ax = new_figure(width=6.5, height=3.6)
        pairs = {
            "forward_kl": (P, Q, f"D_{ALPHA}(P‖Q)", (0.15, 0.24)),
            "reverse_kl": (Q, P, f"D_{ALPHA}(Q‖P)", (1.45, 0.05)),
        }
        for key, (p, q, label, text_at) in pairs.items():
            ax.plot(alpha, renyi(p, q, alpha), color=COLORS[key], label=label)
            kl = float(kl_divergence(p, q))
            ax.plot([1.0], [kl], "o", color=COLORS[key])
            ax.annotate(
                text["at_one"].format(kl=kl),
                xy=(1.0, kl),
                xytext=text_at,
                color=COLORS[key],
                fontsize=9,
                arrowprops={"arrowstyle": "->", "color": COLORS[key]},
            )
        ax.set_xlim(0, 4)
        ax.set_ylim(0, None)
        label_axes(ax, text["x"], text["y"])
        ax.legend(loc="upper left")
    return fig
