# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # KL against MSE, L1 and cosine
#
# The [original experiment](../original_experiment/) (from
# [sidml's 2019 post](https://sidml.github.io/Understanding-KL-Divergence/)) fitted one
# Gaussian Q to two Gaussians and concluded: the KL divergence puts Q **between** the two
# modes, while MSE, L1 and cosine similarity have "no middle ground" and send Q to the
# **nearest mode**. It ran MSE and cosine from one or two starting points, with one
# optimiser, and never ran L1.
#
# This page runs every loss, from many starts, and asks what actually decides where a fit
# ends. The short answer: the losses do have middle-ground minima; whether a fit finds them
# depends on the optimiser, on how $\sigma$ is parameterised, on the target's scale and on
# the grid. The original's recipe happens to be the one that avoids them.
#
# The five losses, all functions of the two density curves $p$ (target) and $q$ (the
# Gaussian $\mathcal N(\mu, \sigma^2)$) on the grid:
#
# | loss | value | what it rewards |
# |---|---|---|
# | forward KL | $D_{\mathrm{KL}}(P \,\|\, Q) = \int p \log(p/q)\,dx$ | Q covering all of P |
# | reverse KL | $D_{\mathrm{KL}}(Q \,\|\, P) = \int q \log(q/p)\,dx$ | Q staying inside P |
# | MSE | $\int (p - q)^2\,dx$ | the curves agreeing point by point |
# | L1 | $\int \lvert p - q \rvert\,dx$ | the same, with a linear penalty |
# | cosine | $-\int pq\,dx \big/ \sqrt{\int p^2 dx \int q^2 dx}$ | the curves' shapes agreeing |
#
# The two KL losses normalise P; MSE and L1 compare the curves at the scale they are given;
# cosine ignores scale.

# %%
import collections
import math

import torch
from torch.optim.swa_utils import AveragedModel

from kltutorial import LOSSES, Gaussian, Mixture, figures, fit, grid_kl
from kltutorial.plotting import LABELS

# kltutorial/figures.py: one function per figure, so these cells show the KL code

torch.set_num_threads(1)  # the tensors here are small: extra threads only add overhead
_ = torch.manual_seed(0)

x = torch.linspace(-15, 15, 1000)  # the original's grid
components = [Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)]
p_sum = components[0].prob(x) + components[1].prob(x)  # the original's target: mass 2
p_mix = Mixture(components)  # the normalised mixture: weights 1/2, 1/2, mass 1
TARGETS = {"sum": p_sum, "mixture": p_mix}
NAMES = list(LOSSES)  # forward_kl, reverse_kl, mse, l1, cosine


# %% [markdown]
# ## 1. Every loss from the original's starts
#
# Start at $\mu = 0$ (the original's first start) and $\mu = 5$ (its second, nearer the mode
# at 10), with $\sigma = 1$, for both targets: the original's sum of two densities (mass 2)
# and the normalised mixture (mass 1). `kltutorial.fit` uses Newton's method and reports
# whether each fit reached a certified local minimum, and why it stopped. Both starts of a
# loss go into one vectorised call.

# %%
lines = [f"{'target':8s} {'loss':11s} {'start':>5s} {'mu':>8s} {'sigma':>8s} {'loss':>9s}  conv."]
for target_name, target in TARGETS.items():
    for name in NAMES:
        result = fit(target, x, name, mu=torch.tensor([0.0, 5.0]), sigma=1.0)
        for i, start in enumerate((0.0, 5.0)):
            lines.append(
                f"{target_name:8s} {name:11s} {start:5.1f} {result.mu[i].item():8.3f} "
                f"{result.sigma[i].item():8.3f} {result.loss[i].item():9.5f}  "
                f"{result.converged[i].item()}"
            )
print("\n".join(lines))  # one write: the table stays one block of output

# %% [markdown]
# Read the table loss by loss:
#
# * **Forward KL** ends at the moment-matching answer (mean 2.5, $\sigma = \sqrt{57.25}$) from
#   both starts and for both targets: it normalises P, so the scale does not matter.
# * **Reverse KL** goes to a mode, the one nearer the start: it is mode-seeking, and the
#   original did not run it.
# * **MSE** goes to the nearer mode from these starts. Against the sum it lands exactly on
#   the mode, $\sigma = 1$: each mode of the sum has mass 1, like Q, so Q can match it
#   perfectly. Against the mixture each mode has mass ½, and the best Gaussian is wider and
#   lower. Minimising $\int(\tfrac12 n_k - q)^2$ over $\sigma$ for Q centred on the mode
#   (with $n_k$ the mode's unit Gaussian) balances $\int q^2 = 1/(2\sigma\sqrt\pi)$ against
#   the overlap $\int n_k\,q = 1/\sqrt{2\pi(1+\sigma^2)}$, which gives
#   $(1 + \sigma^2)^{3/2} = \sqrt2\,\sigma^3$, i.e. $\sigma^2 = 1/(2^{1/3} - 1)$ and
#   $\sigma \approx 1.9615$: the table's 1.961 from $\mu = 0$. (The mode at 10 is only 5
#   units from the grid's end, which shifts its fit slightly.)
# * **L1** and **cosine** are the interesting rows: from these starts Newton's method takes
#   them to a **wide** Q, not to a mode. The next two sections show where those solutions
#   come from.

# %% [markdown]
# ## 2. The landscapes
#
# Each loss is a function of two numbers, $(\mu, \sigma)$, so it can be drawn. The cell
# below evaluates every loss on a grid of $(\mu, \sigma)$ pairs in one batch: a
# `(n_mu * n_sigma, 1000)` array of $\log q$ values, one row per Gaussian, passed to the
# loss at once. The colour in each panel is the loss's **rank** among the panel's values
# (light = low, in both colour schemes), so that every panel uses its full range whatever
# its scale. The markers
# are the local minima that Newton fits find from a spread of 36 starts; the dashed line is
# $\sigma = 30$, the grid's width, past which `fit` stops a run as not converged.

# %%
mus_map = torch.linspace(-15.0, 20.0, 71)
sigmas_map = torch.logspace(math.log10(0.3), math.log10(40.0), 60)
M, S = torch.meshgrid(mus_map, sigmas_map, indexing="ij")
log_q_map = Gaussian(M.reshape(-1, 1), S.reshape(-1, 1)).log_prob(x)  # (71 * 60, 1000)

start_mu, start_sigma = torch.meshgrid(
    torch.linspace(-12.0, 17.0, 9), torch.tensor([0.5, 2.0, 6.0, 20.0]), indexing="ij"
)
landscapes, minima = {}, {}
for target_name, target in TARGETS.items():
    log_p = target.log() if isinstance(target, torch.Tensor) else target.log_prob(x)
    for name in NAMES:
        values = LOSSES[name](log_p, log_q_map, x).reshape(M.shape)
        # Where Q lies entirely off the grid, q underflows to 0 and cosine is 0/0: rank
        # those points as the worst.
        values = torch.where(values.isnan(), values.nan_to_num(nan=-math.inf).max(), values)
        landscapes[target_name, name] = values.flatten().argsort().argsort().reshape(M.shape)
        found = fit(target, x, name, mu=start_mu.reshape(-1), sigma=start_sigma.reshape(-1))
        ok = found.converged
        minima[target_name, name] = (found.mu[ok], found.sigma[ok], found.loss[ok])


def clusters(points, radius=1.0):
    """Group (mu, sigma) points that are chained together by steps shorter than radius."""
    groups = []
    for point in points:
        near = [g for g in groups if any(math.dist(point, q) < radius for q in g)]
        merged = [point] + [q for g in near for q in g]
        groups = [g for g in groups if g not in near] + [merged]
    return sorted(groups)


print(f"Newton fits from {start_mu.numel()} starts per loss and target")
print(f"{'target':8s} {'loss':11s} local minima found: (mu, sigma) loss value [starts]")
for (target_name, name), (mu_k, sigma_k, loss_k) in minima.items():
    parts = []
    points = list(zip(mu_k.tolist(), sigma_k.tolist(), strict=True))
    values = dict(zip(points, loss_k.tolist(), strict=True))
    for group in clusters(points):
        ms = torch.tensor(group)
        value = min(values[p] for p in group)
        if (ms.amax(0) - ms.amin(0)).max() < 0.01:  # every start found the same point
            parts.append(f"({ms[0, 0]:.2f}, {ms[0, 1]:.2f}) {value:.4f} [{len(group)}]")
        else:  # different points, all minima with the same loss: a flat set
            parts.append(
                f"flat set mu {ms[:, 0].min():.2f}..{ms[:, 0].max():.2f}, sigma "
                f"{ms[:, 1].min():.2f}..{ms[:, 1].max():.2f} {value:.4f} [{len(group)}]"
            )
    print(f"{target_name:8s} {name:11s} " + "; ".join(parts))

# %%
ranks = {key: rank / (M.numel() - 1) for key, rank in landscapes.items()}  # 0 lowest, 1 highest
figures.loss_landscapes(
    mus_map, sigmas_map, ranks, {key: found[:2] for key, found in minima.items()}, width=30.0
)

# %% [markdown]
# So "no middle ground" is not a property of MSE, L1 or cosine. Each has minima at the
# modes, and each **also** has a minimum with a wide Q spread over both modes (the list
# above: between the modes for MSE and L1, near $\mu = 11$ for cosine on this grid). These
# middle minima are only local: their loss values are higher than at the modes. Where a fit
# ends depends on which basin it starts in, and on the path the optimiser takes.
#
# Against the mixture, L1 has whole **flat sets** of minima: if Q (mass 1) lies above the
# mode's curve $\tfrac12 n_k$ everywhere near that mode, and is negligible near the other
# one, then $\int|p - q| = \int (q - \tfrac12 n_k) + \tfrac12 = 1$, whatever Q's exact $\mu$
# and $\sigma$. Any Gaussian that covers one half-mode completely is a minimum. `fit` reports
# these as converged with a reason of their own (the appendix, folded after "What to take
# away", says how it certifies them).
#
# Cosine's landscape is the same against both targets: it ignores scale.

# %% [markdown]
# ## 3. Basins: where each start ends
#
# The landscapes say where the minima are; a basin map says which start goes where. Below,
# 256 starts from $\mu = -14$ to $14$ with $\sigma = 1$, for every loss and both targets, one
# vectorised `fit` call per loss and target (Newton). The cell counts the fits that did not
# reach a minimum; why each one stopped is listed in the
# [appendix](#appendix-how-the-fit-stops-and-why-each-run-above-stopped),
# folded after "What to take away": open it by its title.

# %%
starts = torch.linspace(-14, 14, 256)
basins = {}
print(f"{'target':8s} {'loss':11s} not converged, of {len(starts)} starts")
for target_name, target in TARGETS.items():
    for name in NAMES:
        result = fit(target, x, name, mu=starts, sigma=1.0)
        basins[target_name, name] = result
        failed = int((~result.converged).sum())
        print(f"{target_name:8s} {name:11s} {failed:3d} ({100 * failed / len(starts):4.1f} %)")
worst = max(int((~r.converged).sum()) for r in basins.values())
print(f"at most {worst} of {len(starts)} starts per loss ({100 * worst / len(starts):.1f} %)")

# %% [markdown]
# The panels plot the final $\mu$ against the starting $\mu$: dots in the loss's colour are
# fits that converged with Q on one mode ($\sigma < 3$), rings fits that converged to a wide
# Q ($\sigma \ge 3$), and crosses fits that did not converge (drawn at their last $\mu$,
# clipped to the panel).

# %%
figures.basin_maps(
    starts, {key: (r.mu, r.sigma, r.converged) for key, r in basins.items()}, wide=3.0
)

# %% [markdown]
# The step function that "no middle ground" describes is there for reverse KL and MSE,
# with its switch near the midpoint 2.5 between the modes. L1 and cosine instead have a
# whole band of starts that end at their wide minimum. The crosses are the runs `fit` did
# not certify, at most about a tenth of the starts per loss (the count above). Starting at
# $\sigma = 1$ far out in a tail, Q
# hardly overlaps P, and the only way down is to hide Q: push it past the end of the grid,
# where the loss cannot see it. `fit` stops those runs ("mu left the grid") instead of
# reporting them as answers. L1 has no such runs: as `kltutorial` computes it, it counts the
# mass of Q outside the grid, so hiding Q does not pay.
#
# ## 4. What decides where MSE, L1 and cosine end
#
# Four things differ between the original's set-up and a careful one. The table below changes
# them one at a time, for three starts: the original's 0 and 5, and 2.5, midway between the
# modes. Each cell is the final $\mu$ and $\sigma$, with ✓ for a fit that converged, `~` for
# one still moving at its step limit, and ✗ for one that stopped without a minimum (the
# [appendix](#appendix-how-the-fit-stops-and-why-each-run-above-stopped)
# gives each reason). The last column says whether "no middle ground" held: every start
# ended on a mode.
#
# * **The optimiser.** The first row is the original recipe, `fit(..., faithful=True)`: Adam
#   at $10^{-3}$ for 10,000 steps on raw $\sigma$, the `torch.nn.functional` losses, float32.
#   The Newton rows find the minimum of the basin each start is in.
# * **The target's scale:** the sum (mass 2) against the normalised mixture (mass 1).
# * **The grid's truncation:** $[-15, 15]$ against $[-40, 40]$ (same spacing).
# * **The parameterisation of $\sigma$ and the learning rate**, with Adam and a fixed number of
#   steps: raw against log $\sigma$ at a larger rate, $0.05$ for 2,000 steps.

# %%
starts3 = torch.tensor([0.0, 2.5, 5.0])
x40 = torch.linspace(-40, 40, 2665)  # same spacing as the original's grid
p_sum40 = components[0].prob(x40) + components[1].prob(x40)
SETTINGS = [
    ("Adam raw sigma, lr 1e-3, 10,000 (original)", p_sum, x, dict(faithful=True)),
    ("Newton, sum, [-15, 15]", p_sum, x, {}),
    ("Newton, mixture, [-15, 15]", p_mix, x, {}),
    ("Newton, sum, [-40, 40]", p_sum40, x40, {}),
    ("Adam raw sigma, lr 0.05, 2,000", p_sum, x, dict(faithful=True, lr=0.05, max_steps=2000)),
    (
        "Adam log sigma, lr 0.05, 2,000",
        p_sum,
        x,
        dict(faithful=True, lr=0.05, max_steps=2000, sigma_param="log"),
    ),
]


def on_a_mode(mu, sigma):
    """Whether Q sits on one of the two modes (within 0.5) with a narrow width."""
    return min(abs(mu + 5.0), abs(mu - 10.0)) < 0.5 and sigma < 3.0


def cell(mu, sigma, reason):
    """A table cell: final mu and sigma; then ✓ (converged), ~ (still moving) or ✗."""
    if reason.startswith("converged"):
        status = "✓"
    else:
        status = "~" if reason.startswith("still moving") else "✗"
    return f"{mu:6.2f} {sigma:6.2f} {status}"


table = {}  # (loss, setting): fit's reasons, for the appendix
for name in ("mse", "l1", "cosine"):
    lines = [f"{LABELS[name]:42s}  from mu=0   from mu=2.5     from mu=5  no middle?"]
    for label, target, grid, options in SETTINGS:
        result = fit(target, grid, name, mu=starts3, sigma=1.0, **options)
        table[name, label] = result.reasons
        ends = list(zip(result.mu.tolist(), result.sigma.tolist(), result.reasons, strict=True))
        cells = " ".join(f"{cell(m, s, r):>13s}" for m, s, r in ends)
        holds = all(on_a_mode(m, s) for m, s, _ in ends)
        lines.append(f"  {label:40s} {cells}  {'yes' if holds else 'no'}")
    print("\n".join(lines) + "\n")  # one write per table, so the output stays one block

# %% [markdown]
# What the table shows:
#
# * **The original recipe is the setting where "no middle ground" holds**, for all three
#   losses and all three starts, L1 included (the claim the original made without running
#   it; its L1 runs sit on the modes but are still creeping at step 10,000). The reason is
#   Adam itself: it normalises each parameter's step, so $\mu$ and raw $\sigma$ each move by
#   about the learning rate per step, whatever the size of the gradient. From $\sigma = 1$, Q
#   slides sideways at the same pace as it could widen, and it reaches a mode, 5 to 7.5
#   units away, long before it is wide enough to feel the other one.
# * **A certified minimiser finds the middle.** Newton's method, on the same target and grid,
#   takes MSE from the midpoint, L1 from 0 and 5, and cosine from every start to a wide
#   minimum. "No middle ground" fails for every loss.
# * **Scale** matters for MSE and L1, not for cosine. Against the mixture MSE's modes widen
#   to $\sigma \approx 1.96$ and its wide minimum moves; L1's modes become flat sets (from
#   2.5 the fit stops at one point of the set near 10); cosine's rows are identical.
# * **Truncation** moves the wide minima of the losses that see only the grid. MSE and cosine
#   compare the curves at the grid points, so mass of Q pushed past $x = 15$ costs them
#   nothing: on the short grid, cosine's wide minimum leans towards the edge near the mode at
#   10. On $[-40, 40]$ it is symmetric, at $\mu = 2.5$. L1 as `kltutorial` computes it counts
#   Q's mass outside the grid (there $|p - q| = q$), so its wide minimum is the same on both
#   grids, (2.50, 7.52), and the starts at 0 and 5 reach it on both. The start at the
#   midpoint does not: it is a narrow Q exactly between two basins, and it slides to a mode,
#   to 10 on the short grid and to -5 on the wide one (the grids' points are not
#   symmetric about 2.5, and that is enough to tip it). MSE's start at 2.5 likewise slides to
#   a mode on the wide grid; its wide minimum is still there, below.
# * **Parameterisation and learning rate.** The Adam rows use the original's
#   `torch.nn.functional` losses, which see only the grid points. With raw $\sigma$ and a rate
#   50 times larger, MSE and L1 still slide to a mode, because both parameters still move at
#   the same pace; cosine from the midpoint now widens. With $\sigma = e^s$ at that rate,
#   $\sigma$ grows geometrically, Q widens before it slides, and no fit ends on a mode: MSE
#   reaches its wide minimum, cosine crawls towards its own, and L1, blind to the mass it
#   pushes off the grid, spreads Q past the grid's width without ever finding a minimum.
#
# The middle minima are not artefacts of the short grid. On $[-40, 40]$, Newton started from
# a wide Q at the midpoint certifies one for each loss, each with a higher loss than Q on a
# mode:

# %%
print("on [-40, 40], against the sum; Newton from mu = 2.5, sigma = 8, and from a mode:")
for name in ("mse", "l1", "cosine"):
    middle = fit(p_sum40, x40, name, mu=2.5, sigma=8.0)
    mode = fit(p_sum40, x40, name, mu=10.0, sigma=1.0)
    print(
        f"  {LABELS[name]:7s} middle: mu = {middle.mu.item():.4f}, sigma = "
        f"{middle.sigma.item():.4f}, loss {middle.loss.item():8.4f}, {middle.reasons[0][:9]};"
        f"  on the mode: loss {mode.loss.item():8.4f}"
    )

# %% [markdown]
# **The cosine middle minimum, exactly.** On the whole line, put Q at the midpoint 2.5, so
# both modes are $d = 7.5$ away. With $s^2 = \sigma^2 + 1$, the overlap is
# $\int p\,q = 2\,\mathcal N(d; 0, s^2)$ and $\int q^2 = 1/(2\sigma\sqrt\pi)$, so the cosine is
# proportional to $\sqrt\sigma\, e^{-d^2/(2 s^2)}/s$. Setting the derivative in $\sigma$ to
# zero gives $\sigma^4 - 2d^2\sigma^2 - 1 = 0$, i.e.
# $\sigma^2 = d^2 + \sqrt{d^4 + 1}$, which the next cell compares with the fit on
# $[-40, 40]$:

# %%
d = 7.5
sigma_cos = math.sqrt(d**2 + math.sqrt(d**4 + 1))
fitted = fit(p_sum40, x40, "cosine", mu=2.5, sigma=8.0)
print(
    f"closed form: sigma = {sigma_cos:.4f}; Newton on [-40, 40]: mu = {fitted.mu.item():.4f}, "
    f"sigma = {fitted.sigma.item():.4f}, cosine similarity {-fitted.loss.item():.4f}"
)
print(f"cosine similarity with Q on a mode: {1 / math.sqrt(2):.4f} (1/sqrt 2)")

# %% [markdown]
# The wide Q is a genuine local maximum of the similarity, but a worse one than a mode
# ($1/\sqrt2$: Q matches one of P's two equal bumps exactly). Which one a run finds is the
# question of the basin it starts in and the path it takes, which is the original's
# remark about high dimensions, next.
#
# ## 5. Many valleys, and averaging weights
#
# The original ends with a remark about deep learning: in high dimensions there are many
# valleys, different runs from random initial weights reach different minima, and stochastic
# weight averaging (SWA) can combine them. The first two parts are true; the third needs care.
# SWA ([Izmailov et al., 2018, "Averaging Weights Leads to Wider Optima and Better
# Generalization"](https://arxiv.org/abs/1803.05407)) averages the weights visited by
# **one** run, late in training, while SGD's noise moves it around **one** basin.
# Averaging the weights of runs that ended in different basins is a different thing, and
# it usually fails.
#
# A small example shows all of this in two dimensions, so it can be drawn. Fit a mixture
# $Q = \tfrac12\mathcal N(a, 1) + \tfrac12\mathcal N(b, 1)$ to samples of P (the normalised
# mixture) by stochastic gradient descent on the negative log-likelihood: minibatches of 32
# samples, which is the forward KL up to a constant. There are two minima, $(a, b) = (-5, 10)$
# and $(10, -5)$: the same Q with its components' labels swapped, exactly as a neural network's
# hidden units can be permuted without changing what it computes. Each run takes 1,500 steps
# and, from step 500 on, averages its own weights with
# [`torch.optim.swa_utils.AveragedModel`](https://pytorch.org/docs/stable/optim.html#weight-averaging-swa-and-ema).

# %%
generator = torch.Generator().manual_seed(0)
labels = torch.randint(0, 2, (4096,), generator=generator)
data = torch.where(labels == 0, -5.0, 10.0) + torch.randn(4096, generator=generator)


class TwoMeans(torch.nn.Module):
    """Q = N(a, 1)/2 + N(b, 1)/2 with learnable means (a, b)."""

    def __init__(self, a, b):
        super().__init__()
        self.means = torch.nn.Parameter(torch.tensor([a, b]))

    def nll(self, batch):
        log_q = -0.5 * (batch[:, None] - self.means) ** 2 - 0.5 * math.log(2 * math.pi)
        return -(torch.logsumexp(log_q, dim=1) + math.log(0.5)).mean()


def kl_nats(means):
    """D_KL(P || Q) in nats, on the grid, for the mixture with these two means."""
    q = Mixture([Gaussian(float(means[0]), 1.0), Gaussian(float(means[1]), 1.0)])
    return grid_kl(p_mix.log_prob(x), q.log_prob(x), x).item()


runs = []
for seed in range(4):
    rng = torch.Generator().manual_seed(seed)
    a0, b0 = (torch.rand(2, generator=rng) * 30 - 15).tolist()
    model = TwoMeans(a0, b0)
    swa = AveragedModel(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    path = [model.means.detach().clone()]
    for step in range(1500):
        batch = data[torch.randint(0, len(data), (32,), generator=rng)]
        optimizer.zero_grad()
        model.nll(batch).backward()
        optimizer.step()
        path.append(model.means.detach().clone())
        if step >= 500:
            swa.update_parameters(model)
    runs.append(
        (torch.stack(path), model.means.detach().clone(), swa.module.means.detach().clone())
    )

print(f"{'seed':4s} {'start (a, b)':>16s} {'last iterate':>16s} {'KL':>8s}", end="")
print(f" {'SWA average':>16s} {'KL':>8s}")
for seed, (path, last, averaged) in enumerate(runs):
    print(
        f"{seed:4d} ({path[0, 0]:6.2f}, {path[0, 1]:6.2f}) ({last[0]:6.2f}, {last[1]:6.2f}) "
        f"{kl_nats(last):8.5f} ({averaged[0]:6.2f}, {averaged[1]:6.2f}) {kl_nats(averaged):8.5f}"
    )

# Group the runs by basin: which component ended on the left mode.
basin = [bool(last[0] < last[1]) for _, last, _ in runs]
same = [i for i in range(len(runs)) if basin[i] == basin[0]]
other = [i for i in range(len(runs)) if basin[i] != basin[0]]
same_avg = torch.stack([runs[i][1] for i in same]).mean(0)
print(
    f"\nweights averaged over runs {same} (one basin): ({same_avg[0]:.2f}, {same_avg[1]:.2f}), "
    f"KL {kl_nats(same_avg):.5f}"
)
if other:
    cross_avg = (runs[same[0]][1] + runs[other[0]][1]) / 2
    print(
        f"weights averaged over runs {same[0]} and {other[0]} (two basins): "
        f"({cross_avg[0]:.2f}, {cross_avg[1]:.2f}), KL {kl_nats(cross_avg):.3f}"
    )

# %%
grid_ab = torch.linspace(-15, 15, 61)
A, B = torch.meshgrid(grid_ab, grid_ab, indexing="ij")
pair = torch.stack([A.reshape(-1), B.reshape(-1)], dim=-1)[:, None, :]  # (61*61, 1, 2)
log_q_ab = torch.logsumexp(Gaussian(pair, 1.0).log_prob(x[:, None]), dim=-1) + math.log(0.5)
kl_ab = grid_kl(p_mix.log_prob(x), log_q_ab, x).reshape(A.shape)

figures.swa_map(
    grid_ab, kl_ab, [(path, averaged) for path, _, averaged in runs], cross_avg if other else None
)

# %% [markdown]
# What the example shows, read from the output above:
#
# * **Different runs, different minima.** The seeds split between the two mirror-image
#   minima. Both are equally good here; in a neural network the minima need not be.
# * **SWA within a run helps.** The last iterate of SGD with a constant step size keeps
#   jittering around the minimum; the average of the iterates sits much closer to its centre,
#   with a divergence many times smaller.
# * **Averaging across basins fails.** Averaging the weights of two runs that ended in
#   different minima gives a point between them, far from both, with a divergence of tens of
#   nats: the average of two good solutions is a bad one. Averaging runs that share a basin is
#   fine. To combine different minima, average their *predictions* (an ensemble), not their
#   weights.
#
# What it does not show: anything about generalisation in high dimensions, where the claim
# for SWA is that it finds wider, flatter minima that transfer better to test data. Two
# parameters and a known target cannot test that; they only show the mechanics.
#
# ## What to take away
#
# * MSE, L1 and cosine all have minima **between** the modes as well as at them; only the
#   original's optimiser, Adam with a small learning rate on raw $\sigma$, reliably avoids
#   them, because it moves Q sideways as fast as it can widen it.
# * Scale (sum or mixture) changes MSE's and L1's answers; the grid's truncation moves MSE's
#   and cosine's wide minima; the forward KL's answer depends on none of these.
# * A fit should say whether it converged and why not. Up to about a tenth of the 256 starts
#   above (27 for cosine, the most) stop off the grid instead of at a minimum; a fixed number
#   of steps would have reported them as answers.

# %% [markdown] tags=["appendix"]
# ## Appendix: how the fit stops, and why each run above stopped
#
# `fit` with its default optimiser runs a damped Newton method on $(\mu, \log\sigma)$ with
# exact first and second derivatives. It reports a start as **converged** only with a
# certificate: the Newton step is below `tol` at a point where the 2x2 Hessian is positive
# definite, so the point is a strict local minimum. Where the Hessian cannot certify one
# (L1's kinks, and its flat sets against the mixture), a compass search takes over: the run
# counts as converged when no nearby point in 8 directions lowers the loss by more than
# `tol` times its value. Every other run stops with a reason: Q's mean left the grid, its
# $\sigma$ grew past the grid's width (a plateau where the loss stops changing) or shrank
# below half its spacing, or, for Adam, the parameters were still moving at the step limit.
#
# The reasons of the 256-start runs of section 3, with short keys:

# %% tags=["appendix"]


class Reasons:
    """Short keys (R1, R2, ...) for fit's reasons, so that tables stay narrow."""

    def __init__(self):
        self.keys = {"converged": "ok"}

    def key(self, reason):
        reason = reason.split(" (changed by")[0]  # one key for every "still moving" run
        if reason not in self.keys:
            self.keys[reason] = f"R{len(self.keys)}"
        return self.keys[reason]

    def legend(self):
        for reason, key in self.keys.items():
            print(f"  {key:3s} {reason}")


reasons = Reasons()
for (target_name, name), result in basins.items():
    counts = collections.Counter(reasons.key(r) for r in result.reasons)
    listed = ", ".join(f"{k}: {n}" for k, n in sorted(counts.items()))
    print(f"{target_name:8s} {name:11s} {listed}")
reasons.legend()

# %% [markdown] tags=["appendix"]
# And the reasons behind the ~ and ✗ marks of the table in section 4, per loss and setting
# (✓ cells are left out):

# %% tags=["appendix"]
reasons = Reasons()
for (name, label), why in table.items():
    keys = [reasons.key(r) for r in why]
    if any(k != "ok" for k in keys):
        print(f"{LABELS[name]:7s} {label:42s} " + "  ".join(f"{k:>3s}" for k in keys))
reasons.legend()

# %% [markdown]
# ## Exercises
#
# 1. **A flat set, by hand.** Against the mixture, check that $\int |p - q|\,dx = 1$ for
#    several Gaussians that cover the half-mode at 10, for instance $\mathcal N(10, 1.5^2)$
#    and $\mathcal N(9.7, 1.2^2)$, and that a Gaussian too narrow to cover it does worse.
#
# <details><summary>Solution</summary>
#
# Where $q \ge \tfrac12 n_k$ near the mode and the other half-mode is far, $\int|p - q| =
# \int (q - \tfrac12 n_k) + \tfrac12 = 1 - \tfrac12 + \tfrac12 = 1$. A Q narrower than
# $\sigma = 1$ dips below $\tfrac12 n_k$ in the mode's flanks and pays for it:
#
# ```python
# import torch
#
# from kltutorial import Gaussian, Mixture, l1
#
# x = torch.linspace(-15, 15, 1000)
# p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
# for mu, sigma in ((10.0, 1.5), (9.7, 1.2), (10.0, 2.0), (10.0, 0.5)):
#     value = l1(p.log_prob(x), Gaussian(mu, sigma).log_prob(x), x).item()
#     print(f"N({mu}, {sigma}^2): L1 = {value:.4f}")
# ```
#
# ```text
# N(10.0, 1.5^2): L1 = 1.0000
# N(9.7, 1.2^2): L1 = 1.0000
# N(10.0, 2.0^2): L1 = 1.0000
# N(10.0, 0.5^2): L1 = 1.2272
# ```
#
# </details>
#
# 2. **Average predictions, not weights.** Take the two runs of section 5 that ended in
#    different basins, (-5.16, 9.92) and (10.12, -5.12). Their weight average was a bad
#    model. What is the KL divergence of their *ensemble*, the average of the two Qs'
#    densities?
#
# <details><summary>Solution</summary>
#
# The two runs describe almost the same mixture with the labels swapped, so their
# densities, and the average of the densities, are close to P:
#
# ```python
# import torch
#
# from kltutorial import Gaussian, Mixture, grid_kl
#
# x = torch.linspace(-15, 15, 1000)
# p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
# runs = [(-5.16, 9.92), (10.12, -5.12)]
# ensemble = Mixture([Gaussian(m, 1.0) for run in runs for m in run])  # weights 1/4 each
# weights = Mixture([Gaussian(sum(r[0] for r in runs) / 2, 1.0),
#                    Gaussian(sum(r[1] for r in runs) / 2, 1.0)])
# print(f"ensemble: {grid_kl(p.log_prob(x), ensemble.log_prob(x), x).item():.4f} nats")
# print(f"weight average: {grid_kl(p.log_prob(x), weights.log_prob(x), x).item():.4f} nats")
# ```
#
# ```text
# ensemble: 0.0050 nats
# weight average: 27.3894 nats
# ```
#
# </details>
#
# 3. **Reverse KL in the middle.** Reverse KL has no wide minimum in the landscapes of
#    section 2. Why does covering both modes cost it so much?
#
# <details><summary>Solution</summary>
#
# $D_{\mathrm{KL}}(Q \,\|\, P) = \int q \log(q/p)\,dx$ weighs $\log(q/p)$ by Q's own mass.
# A wide Q puts mass between the modes, where $p$ is tiny (about $e^{-28}$ of its peak at
# 2.5, 7.5 units from each mode), so $\log(q/p)$ there is huge. Forward KL weighs by $p$
# instead and does not care what Q does between the modes, which is why it alone spreads Q.
#
# </details>
#
# ## Further reading
#
# * sidml, ["Understanding KL Divergence"](https://sidml.github.io/Understanding-KL-Divergence/)
#   (2019), the experiment this page extends. The article this site grew from, "KL 散度" (KL
#   divergence), a Chinese tutorial page dated 2025-03-28, paraphrases this post in
#   translation, without its figures and code.
# * P. Izmailov, D. Podoprikhin, T. Garipov, D. Vetrov, A. G. Wilson,
#   [Averaging Weights Leads to Wider Optima and Better Generalization](https://arxiv.org/abs/1803.05407)
#   (UAI 2018): stochastic weight averaging.
# * PyTorch, [`torch.nn.functional.kl_div`](https://pytorch.org/docs/stable/generated/torch.nn.functional.kl_div.html)
#   and [`torch.optim.swa_utils`](https://pytorch.org/docs/stable/optim.html#weight-averaging-swa-and-ema).
# * C. M. Bishop, [*Pattern Recognition and Machine Learning*](https://www.microsoft.com/en-us/research/publication/pattern-recognition-machine-learning/)
#   (2006), section 10.1: forward against reverse KL for approximating a multimodal
#   distribution.
