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
# # The original experiment, reproduced and corrected
#
# This site grew from "KL 散度" (KL divergence), a short Chinese tutorial page dated
# 2025-03-28 that fits one Gaussian to two Gaussians by minimising the KL divergence; it is a
# translation, and its figures and code did not survive it. Both come from the earlier blog
# post with a notebook that it paraphrases:
# [**"Understanding KL Divergence" by sidml (2019)**](https://sidml.github.io/Understanding-KL-Divergence/).
# The idea and the experiment are sidml's; this page reruns them as described, shows what
# they print, and then says plainly where the experiment goes wrong and what the correct
# answer is.
#
# The plan:
#
# 1. Build the target and check it, as the original did.
# 2. Compute the divergence with `torch.nn.functional.kl_div`, including the stability pitfall.
# 3. Run the original's optimisation loop (Adam, 10,000 steps) for KL, MSE and cosine.
# 4. List what the original got wrong or left unfinished, each with numbers.
# 5. Fit again, correctly, and compare.
#
# Notation, as everywhere on this site: P is the target, Q the Gaussian approximation, and
# $D_{\mathrm{KL}}(P \,\|\, Q) = \int p(x) \log \frac{p(x)}{q(x)}\,dx$ in nats (natural logs).

# %%
import math
import warnings

import torch
import torch.nn.functional as F
from torch.distributions import Normal

from kltutorial import Gaussian, Mixture, figures, fit, grid_kl

# kltutorial/figures.py: one function per figure, so these cells show the KL code

torch.set_num_threads(1)  # the tensors here are small: extra threads only add overhead
_ = torch.manual_seed(0)  # nothing below is random; seeded anyway so reruns are identical

# %% [markdown]
# ## 1. Two Gaussians, and their sum as the target
#
# The original builds two normal distributions with `torch.distributions.Normal`,
# $\mathcal N(-5, 1)$ and $\mathcal N(10, 1)$, and checks each one by plotting its density on
# $\mu \pm 5\sigma$ with 1000 points. The check works: each curve peaks at its mean, with the
# height $1/(\sigma\sqrt{2\pi})$ of a normal density.

# %%
mu1, sigma1 = -5.0, 1.0
mu2, sigma2 = 10.0, 1.0
p1 = Normal(mu1, sigma1)
p2 = Normal(mu2, sigma2)

curves = []
for dist, m, s in ((p1, mu1, sigma1), (p2, mu2, sigma2)):
    xs = torch.linspace(m - 5 * s, m + 5 * s, 1000)
    density = dist.log_prob(xs).exp()
    peak = int(density.argmax())
    print(
        f"N({m:g}, {s:g}): peak at x = {xs[peak]:.3f}, height {density[peak]:.4f} "
        f"(1/(sigma sqrt(2 pi)) = {1 / (s * math.sqrt(2 * math.pi)):.4f})"
    )
    curves.append((m, s, xs, density))
figures.sanity_checks(curves)

# %% [markdown]
# The target P is the **sum** of the two densities, evaluated on a grid of 1000 points. The
# original computes the grid's ends from the parameters, as
# `-mu1 - mu2 - 5*s1 - 5*s2` and `mu1 + mu2 + 5*s1 + 5*s2`; with these numbers that is
# $[-15, 15]$. The approximation Q starts at $\mu = 0$, $\sigma = 1$, both raw tensors that
# the optimiser will change.

# %%
lo = -mu1 - mu2 - 5 * sigma1 - 5 * sigma2
hi = mu1 + mu2 + 5 * sigma1 + 5 * sigma2
x = torch.linspace(lo, hi, 1000)  # float32, as in the original
px = p1.log_prob(x).exp() + p2.log_prob(x).exp()
print(f"grid: {len(x)} points from {lo:g} to {hi:g}, spacing {float(x[1] - x[0]):.4f}")

mu = torch.tensor(0.0)
sigma = torch.tensor(1.0)
Q = Normal(mu, sigma)
figures.target_and_start(x, px, Q.log_prob(x).exp())

# %% [markdown]
# ## 2. The divergence with kl_div, and a stability pitfall
#
# PyTorch's `torch.nn.functional.kl_div(input, target)` expects the **log**-probabilities of
# the approximation as `input` and the plain probabilities of the target as `target`, and
# computes $\mathrm{target} \cdot (\log \mathrm{target} - \mathrm{input})$ point by point. So
# the first argument is Q, the second is P.
#
# The original shows a pitfall here. Computing Q's density first and taking its log
# afterwards gives an **infinite** divergence; passing `Q.log_prob(x)` directly gives a finite
# number. The reason is underflow: far from $\mu = 0$ the density of Q is smaller than the
# smallest float32, so `exp` rounds it to exactly 0, `log(0)` is $-\infty$, and a point where
# P is positive and "Q is zero" costs $+\infty$. The log-density itself is a perfectly
# ordinary number there (its smallest value is printed below).

# %%
qx = Q.log_prob(x).exp()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    kl_exp_then_log = F.kl_div(qx.log(), px)
    kl_log_prob = F.kl_div(Q.log_prob(x), px)
print(f"kl_div(q.log(), p)        = {kl_exp_then_log.item()}")
print(f"kl_div(Q.log_prob(x), p)  = {kl_log_prob.item():.4f}")
print(f"grid points where q underflowed to 0: {int((qx == 0).sum())} of {len(x)}")
print(f"smallest log q on the grid: {Q.log_prob(x).min().item():.1f}")
print("PyTorch's own warning:", caught[0].message)

# %% [markdown]
# PyTorch also warns (last line above): the default `reduction='mean'` divides the sum by
# the number of grid points as well, and only `'batchmean'` matches the mathematical
# definition. Keep that in mind: section 4 comes back to it. From here on the warning is
# silenced so that the long runs below don't print it again.

# %%
warnings.filterwarnings("ignore", message="reduction: 'mean' divides", category=UserWarning)

# %% [markdown]
# ## 3. The original's optimisation loop
#
# `optimize_loss(px, loss_fn, mu, sigma)` looks the loss up by name in
# `torch.nn.functional`, makes `mu` and `sigma` learnable, and runs `torch.optim.Adam` at its
# default learning rate ($10^{-3}$) for 10,000 steps over the whole grid, logging the loss,
# $\mu$ and $\sigma$. Here it is written out plainly for the KL run (the loss takes Q's
# log-density; the MSE and cosine runs below pass Q's density instead).


# %%
def optimize_loss(px, loss_fn, mu, sigma, steps=10_000):
    """The original's loop: Adam on raw mu and sigma, the loss averaged over the grid."""
    mu = torch.tensor(mu, requires_grad=True)
    sigma = torch.tensor(sigma, requires_grad=True)  # raw: nothing keeps it positive
    optimizer = torch.optim.Adam([mu, sigma])  # default learning rate 1e-3
    loss_fn = getattr(F, loss_fn)
    losses, mus, sigmas = [], [], []
    for _ in range(steps):
        optimizer.zero_grad()
        q_normal = Normal(mu, sigma)  # Q at the current parameters
        loss = loss_fn(q_normal.log_prob(x), px)  # kl_div(input=log Q, target=P), reduction 'mean'
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        mus.append(mu.item())
        sigmas.append(sigma.item())
    return mu.detach(), sigma.detach(), losses, mus, sigmas


mu_kl, sigma_kl, losses_kl, mus_kl, sigmas_kl = optimize_loss(px, "kl_div", 0.0, 1.0)
print(f"after 10,000 steps: mu = {mu_kl.item():.4f}, sigma = {sigma_kl.item():.4f}")
print(f"last logged loss: {losses_kl[-1]:.5f}")
# The last step at which mu was still more than 0.01 away from where it ended.
last_far = max(k for k, m in enumerate(mus_kl, start=1) if abs(m - mus_kl[-1]) > 0.01)
settled = last_far + 1
print(f"mu stays within 0.01 of its final value from step {settled:,} on")

# %% [markdown]
# `kltutorial.fit(..., faithful=True)` implements exactly this recipe (the `torch.nn.functional`
# losses with their default reduction, Adam at $10^{-3}$, 10,000 steps, raw $\sigma$, float32).
# It is what the rest of the site uses to reproduce the original, so check that it lands on
# the same numbers, bit for bit:

# %%
original_kl = fit(px, x, "forward_kl", mu=0.0, sigma=1.0, faithful=True)
print(
    f"fit(faithful=True): mu = {original_kl.mu.item():.4f}, sigma = {original_kl.sigma.item():.4f}"
)
print(
    "same mu and sigma as the loop, bit for bit:",
    torch.equal(original_kl.mu, mu_kl) and torch.equal(original_kl.sigma, sigma_kl),
)
print(
    "same path of mu and sigma at every step:",
    torch.equal(original_kl.trajectory.mu[1:], torch.tensor(mus_kl))
    and torch.equal(original_kl.trajectory.sigma[1:], torch.tensor(sigmas_kl)),
)
print("fit's verdict:", original_kl.reasons[0])

# %% [markdown]
# The original drew the loss and $\mu$ against the step; the third panel adds $\sigma$, which
# it did not plot. Below them, Q over P at a few steps: Q drifts to the middle and widens.

# %%
figures.training_curves(losses_kl, mus_kl, sigmas_kl, settled)

# %%
trajectory = original_kl.trajectory  # row k: mu and sigma after k steps (row 0: the start)
figures.snapshots(x, px, trajectory.mu, trajectory.sigma, steps=[0, 1000, 3000, 10_000])

# %% [markdown]
# ### The other runs: MSE and cosine
#
# The original then swaps the loss. `mse_loss(q, p)` compares the two density curves point by
# point (it starts from $\mu = 0$, then from $\mu = 5$), and `cosine_similarity(q, p)` is
# maximised (minimised with a minus sign) from $\mu = 5$. Both MSE runs go into one
# vectorised call.

# %%
original_mse = fit(px, x, "mse", mu=torch.tensor([0.0, 5.0]), sigma=1.0, faithful=True)
original_cos = fit(px, x, "cosine", mu=5.0, sigma=1.0, faithful=True)
runs = [
    ("mse_loss", 0.0, original_mse.mu[0], original_mse.sigma[0], original_mse.reasons[0]),
    ("mse_loss", 5.0, original_mse.mu[1], original_mse.sigma[1], original_mse.reasons[1]),
    ("cosine_similarity", 5.0, original_cos.mu, original_cos.sigma, original_cos.reasons[0]),
]
print(f"{'loss':18s} {'start mu':>8s} {'final mu':>9s} {'final sigma':>11s}  verdict")
for name, start, m, s, reason in runs:
    print(f"{name:18s} {start:8.1f} {m.item():9.4f} {s.item():11.4f}  {reason}")

# %%
figures.mode_runs(
    x,
    px,
    [
        ("MSE from mu=0", "mse", original_mse, 0),  # element 0 of the batched fit
        ("MSE from mu=5", "mse", original_mse, 1),
        ("cosine from mu=5", "cosine", original_cos, None),
    ],
)

# %% [markdown]
# This is what led the original to its conclusion: KL puts Q **between** the modes, while
# MSE (and, it says, L1) and cosine have "no middle ground" and go to the nearest mode.
#
# ## 4. What the original got wrong, or left unfinished
#
# ### (a) P is a sum, not a mixture: it integrates to 2
#
# Adding two densities does not give a density. A mixture weights its components so the
# weights sum to one: $p(x) = \tfrac12\,\mathcal N(x; -5, 1) + \tfrac12\,\mathcal N(x; 10, 1)$.
# The original's P has twice that mass:

# %%
print(f"integral of the sum over the grid:    {torch.trapezoid(px, x).item():.4f}")
mixture = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])  # weights 1/2, 1/2
print(f"integral of the mixture over the grid: {torch.trapezoid(mixture.prob(x), x).item():.4f}")

# %% [markdown]
# For a KL divergence this matters only through the number it reports (the next point): the
# minimiser is the same for P and for $2P$. For MSE and L1, which compare the curves as they
# are, the scale changes **where** the fit ends; the next page shows how.
#
# ### (b) The 'mean' reduction is not a KL divergence in nats
#
# `kl_div` sums $p_i(\log p_i - \log q_i)$ over the grid points and, by default, divides by
# their number $N = 1000$. Write $p = 2\tilde p$ with $\tilde p$ the normalised mixture and
# $\Delta x$ the grid spacing. A sum over grid points times $\Delta x$ approximates an
# integral, so
#
# $$\frac1N \sum_i p_i \log\frac{p_i}{q_i}
#   \approx \frac{2}{N\,\Delta x}\int \tilde p \left(\log 2 + \log\frac{\tilde p}{q}\right) dx
#   = \frac{2}{N\,\Delta x}\Big(D_{\mathrm{KL}}(\tilde P \,\|\, Q) + \log 2\Big).$$
#
# The "loss" is the divergence shifted by $\log 2$ and multiplied by a factor that depends on
# the grid. The check below compares it with `grid_kl` (the divergence as an integral, with P
# normalised on the grid) at the start and at the end of the KL run:

# %%
factor = 2 / (len(x) * float(x[1] - x[0]))
print(f"factor 2 / (N dx) = {factor:.5f}")
for label, m, s in (("start", 0.0, 1.0), ("after 10,000 steps", mu_kl, sigma_kl)):
    log_q = Normal(torch.as_tensor(m), torch.as_tensor(s)).log_prob(x)
    mean_loss = F.kl_div(log_q, px).item()
    d_kl = grid_kl(px.log(), log_q, x).item()
    print(
        f"{label:19s} kl_div mean = {mean_loss:.5f}   D_KL in nats = {d_kl:.5f}   "
        f"factor * (D_KL + log 2) = {factor * (d_kl + math.log(2)):.5f}"
    )
batchmean = F.kl_div(Normal(mu_kl, sigma_kl).log_prob(x), px, reduction="batchmean").item()
print(f"reduction='batchmean' after 10,000 steps: {batchmean:.5f}")

# %% [markdown]
# The identity holds to the precision of the grid sum. Scaling and shifting do not move the
# minimiser, so the runs above are not wrong because of it; but the numbers they print are not
# divergences, and they would change if the grid were refined or widened. On this site
# `kltutorial.grid_kl` multiplies by the trapezoid weights (the $\Delta x$) instead of dividing
# by $N$, and normalises P on the grid, so its value is a KL divergence in nats. The
# `reduction='batchmean'` that PyTorch's warning recommends does not help here (last line
# above): the grid is the input's only dimension, so it divides by the same 1000.
#
# ### (c) Sigma is a raw parameter: nothing keeps it positive
#
# `sigma` is a free tensor, and an Adam step moves it by up to about the learning rate,
# whatever the sign of the result. At $10^{-3}$ per step and with $\sigma$ near 1 this never
# bites in the runs above, but nothing prevents it. The same cosine recipe with a larger
# learning rate (2.0 here, to make it happen quickly) drives $\sigma$ through zero, where
# `Normal` refuses it and the original loop would crash. Writing $\sigma = e^{s}$ and
# optimising $s$ makes $\sigma$ positive by construction. (At this absurd step size the
# log version does not succeed either, but it fails differently, and `fit` says how.)

# %%
for param in ("raw", "log"):
    run = fit(
        px, x, "cosine", mu=0.0, sigma=1.0, faithful=True, lr=2.0, max_steps=200, sigma_param=param
    )
    print(
        f"sigma {param:3s}: smallest sigma on the path = "
        f"{run.trajectory.sigma.nan_to_num(-1.0).min().item():.3f}; {run.reasons[0]}"
    )
try:
    Normal(0.0, -0.25)
except ValueError as error:
    print("Normal with a negative sigma:", str(error).split(" but found")[0])

# %% [markdown]
# ### (d) 10,000 Adam steps at learning rate 0.001 stop far from the answer
#
# The KL run did not finish: `fit` reported above that $\sigma$ was still moving at step
# 10,000. What should it have reached? For a Gaussian Q, the forward divergence is
#
# $$D_{\mathrm{KL}}(P \,\|\, Q) = \int p \log p\,dx + \frac12\log(2\pi\sigma^2)
#   + \frac{\mathbb E_P[(X-\mu)^2]}{2\sigma^2}.$$
#
# Only the last two terms depend on $\mu$ and $\sigma$. The last is smallest when $\mu$ is
# P's mean; then $\mathbb E_P[(X-\mu)^2]$ is P's variance $v$, and
# $\frac12\log\sigma^2 + v/(2\sigma^2)$ is smallest at $\sigma^2 = v$. So the forward KL fit
# **matches the moments**: Q gets P's mean and P's variance. For the mixture
# $\tfrac12\mathcal N(-5, 1) + \tfrac12\mathcal N(10, 1)$,
#
# $$\mathbb E[X] = \tfrac12(-5) + \tfrac12(10) = 2.5, \qquad
#   \mathbb E[X^2] = \tfrac12(1 + 25) + \tfrac12(1 + 100) = 63.5,$$
# $$\operatorname{Var}[X] = 63.5 - 2.5^2 = 57.25, \qquad \sigma = \sqrt{57.25} \approx 7.566.$$
#
# (The mixture's variance is the average of the components' $\sigma_k^2 + \mu_k^2$, minus the
# squared mean.) The original's $\mu$ got there; its $\sigma$ did not. Adam moves each
# parameter by at most about the learning rate per step, so the remaining distance alone
# needs thousands more steps, and the steps shrink as the loss flattens:

# %%
analytic_mu = mixture.mean.item()
analytic_sigma = mixture.stddev.item()
print(
    f"moment matching: mu = {analytic_mu:.4f}, sigma = {analytic_sigma:.4f} "
    f"(sqrt(57.25) = {math.sqrt(57.25):.4f})"
)
print(f"original after 10,000 steps: mu = {mu_kl.item():.4f}, sigma = {sigma_kl.item():.4f}")
print(
    f"sigma still to go: {analytic_sigma - sigma_kl.item():.3f}, i.e. at least "
    f"{(analytic_sigma - sigma_kl.item()) / 1e-3:,.0f} more steps at 1e-3 per step"
)
print(f"sigma grew by {sigmas_kl[-1] - sigmas_kl[-1001]:.3f} over the last 1,000 steps")

# %% [markdown]
# ### (e) The L1 claim was never run
#
# The original says L1 "could easily be applied" too and would behave like MSE, but runs no
# L1 fit. The [next page](../kl_vs_other_losses/) runs it, from the same starts, with the
# original recipe and with a certified minimiser. The claim turns out to depend on the
# optimiser and on the grid.
#
# ### (f) Smaller things
#
# * **A flat loss curve is not convergence.** The loss and $\mu$ curves above look finished
#   before step 10,000, and those are the two curves the original drew. $\sigma$ was
#   not drawn, and it is still climbing. The gap in the loss is small only because the
#   divergence is flat in $\sigma$ there: the printout below compares the loss at step
#   10,000 with its value at the answer.
# * **The grid's ends.** The formula `-mu1-mu2-5*s1-5*s2` gives $[-15, 15]$ here by luck of
#   the numbers: it does not follow the modes. For $\mathcal N(-5,1) + \mathcal N(-10,1)$ it
#   gives a *decreasing* "grid" from 5 to -5 that contains neither mode (below). A grid should
#   run from the smallest $\mu_k - 5\sigma_k$ to the largest $\mu_k + 5\sigma_k$, or wider.
# * **Truncation.** The integrals only see $[-15, 15]$. P's mass outside is negligible
#   (it is $\Phi(-5)/2$, half the right tail of the mode at 10, which is only 5 of its
#   $\sigma$ from the edge), so the forward KL is unaffected; but a wide Q puts a noticeable
#   part of its mass outside the grid, and the losses that compare curves (MSE, L1, cosine)
#   only see the part inside. The next page shows that this creates and removes minima.

# %%
log_q_answer = Normal(torch.tensor(analytic_mu), torch.tensor(analytic_sigma)).log_prob(x)
log_q_original = Normal(mu_kl, sigma_kl).log_prob(x)
print(f"kl_div (mean) after 10,000 steps: {F.kl_div(log_q_original, px).item():.5f}")
print(f"kl_div (mean) at the answer:      {F.kl_div(log_q_answer, px).item():.5f}")

a1, a2 = -5.0, -10.0  # two negative means, sigmas 1
print("grid ends for N(-5,1) + N(-10,1):", -a1 - a2 - 5 - 5, "to", a1 + a2 + 5 + 5)


def mass_outside(mu, sigma):
    """Probability that N(mu, sigma^2) puts outside the grid [lo, hi].

    Both tails as lower tails, Phi((lo - mu)/sigma) + Phi((mu - hi)/sigma), in float64:
    1 - cdf(hi) would cancel catastrophically for a tail this small.
    """
    z = torch.tensor([(lo - mu) / sigma, (mu - hi) / sigma], dtype=torch.float64)
    return torch.special.ndtr(z).sum().item()


p_outside = (mass_outside(mu1, sigma1) + mass_outside(mu2, sigma2)) / 2  # a fraction of P
q_outside = mass_outside(analytic_mu, analytic_sigma)
print(f"mass outside [-15, 15]: P {p_outside:.3e}, Q at the answer {q_outside:.3f}")

# %% [markdown]
# ## 5. The corrected fit
#
# `kltutorial.fit` with its defaults fixes all of the above at once. It normalises the target
# on the grid (so the sum and the mixture give the same fit), minimises the real divergence
# in nats (`grid_kl`), writes $\sigma = e^{s}$, and uses Newton's method with exact second
# derivatives, which stops only at a **certified** local minimum: a step below $10^{-9}$ where
# the Hessian is positive definite. It says whether it got there, and why it stopped:

# %%
corrected = fit(mixture, x)  # forward KL, Newton, log sigma
corrected_sum = fit(px, x)  # the original's sum as the target: normalised, same answer
print(
    f"corrected: mu = {corrected.mu.item():.4f}, sigma = {corrected.sigma.item():.4f}, "
    f"D_KL = {corrected.loss.item():.4f} nats"
)
print(
    f"converged: {corrected.converged.item()}, reasons: {corrected.reasons}, "
    f"steps: {corrected.steps.item()}"
)
print(
    f"from the sum P: mu = {corrected_sum.mu.item():.4f}, sigma = {corrected_sum.sigma.item():.4f}"
)
print(f"analytic:       mu = {analytic_mu:.4f}, sigma = {analytic_sigma:.4f}")
d_original = grid_kl(px.log(), Normal(mu_kl, sigma_kl).log_prob(x), x).item()
print(
    f"D_KL of the original's end point: {d_original:.4f} nats "
    f"(+{d_original - corrected.loss.item():.4f} above the minimum)"
)

# %% [markdown]
# A handful of Newton steps reach the moment-matching answer that 10,000 Adam steps did not.
# Over the normalised P, the corrected Q lies on the analytic answer; the original's is too
# narrow and too high:

# %%
q_analytic = (analytic_mu, analytic_sigma)
figures.fitted_densities(
    x, mixture.prob(x), (mu_kl, sigma_kl), (corrected.mu, corrected.sigma), q_analytic
)

# %% [markdown]
# Both paths on a map of the divergence (in nats) over $(\mu, \sigma)$, computed in one
# batch: one row of $\log q$ per $(\mu, \sigma)$ pair. Adam crawls up the long, nearly flat
# valley in $\sigma$; Newton jumps along it.

# %%
mus_map = torch.linspace(-4.0, 9.0, 90)
sigmas_map = torch.linspace(0.6, 10.0, 80)
M, S = torch.meshgrid(mus_map, sigmas_map, indexing="ij")
log_q_map = Normal(M.reshape(-1, 1), S.reshape(-1, 1)).log_prob(x)  # (90*80, 1000)
kl_map = grid_kl(mixture.log_prob(x), log_q_map, x).reshape(M.shape)
print(f"smallest D_KL on the map: {kl_map.min().item():.4f} nats")

figures.kl_map_with_paths(
    mus_map, sigmas_map, kl_map, trajectory, corrected.trajectory, minimum=q_analytic
)

# %% [markdown]
# ## What to take away
#
# * The original's qualitative picture is right for KL: the forward divergence spreads Q over
#   both modes. Its numbers are not: the fit was stopped early ($\sigma \approx 5.2$ instead
#   of 7.566), and the loss it printed was not a divergence.
# * Two lines of algebra give the exact answer, and a fit that checks its own convergence
#   reaches it. An optimiser that runs for a fixed number of steps gives no such guarantee;
#   plot every parameter, not only the loss.
# * The MSE and cosine runs did end on a mode. Whether they always do, and whether "no middle
#   ground" is true, is the subject of the [next page](../kl_vs_other_losses/).

# %% [markdown]
# ## Exercises
#
# 1. **The 'mean' loss depends on the grid.** Widen the grid to $[-30, 30]$ with the same
#    spacing (1999 points). What does the mean-reduced `kl_div` report at the start
#    ($\mu = 0$, $\sigma = 1$), and what does `grid_kl` report?
#
# <details><summary>Solution</summary>
#
# The sum over grid points hardly changes (P is negligible beyond $\pm 15$), but it is now
# divided by about twice as many points, so the "loss" halves. The divergence in nats,
# a trapezoid integral, stays where it was:
#
# ```python
# import torch
# import torch.nn.functional as F
# from torch.distributions import Normal
#
# from kltutorial import grid_kl
#
# for half_width, n in ((15, 1000), (30, 1999)):
#     grid = torch.linspace(-half_width, half_width, n)
#     p = Normal(-5.0, 1.0).log_prob(grid).exp() + Normal(10.0, 1.0).log_prob(grid).exp()
#     log_q = Normal(0.0, 1.0).log_prob(grid)
#     mean = F.kl_div(log_q, p, reduction="sum").item() / n  # what reduction='mean' gives
#     kl = grid_kl(p.log(), log_q, grid).item()
#     print(f"[-{half_width}, {half_width}], {n} points: kl_div mean {mean:.4f}, grid_kl {kl:.4f}")
# ```
#
# ```text
# [-15, 15], 1000 points: kl_div mean 2.0812, grid_kl 30.5568
# [-30, 30], 1999 points: kl_div mean 1.0411, grid_kl 30.5569
# ```
#
# </details>
#
# 2. **Moment matching with unequal weights.** For $P = 0.3\,\mathcal N(-5, 1) +
#    0.7\,\mathcal N(10, 1)$, work out the forward-KL Gaussian by hand, then check it with
#    `fit`.
#
# <details><summary>Solution</summary>
#
# $\mathbb E[X] = 0.3(-5) + 0.7(10) = 5.5$ and $\mathbb E[X^2] = 0.3(1 + 25) + 0.7(1 + 100)
# = 78.5$, so $\operatorname{Var}[X] = 78.5 - 5.5^2 = 48.25$ and $\sigma = \sqrt{48.25}
# \approx 6.946$. Newton's fit on the grid agrees (the grid cuts off a negligible tail):
#
# ```python
# import torch
#
# from kltutorial import Gaussian, Mixture, fit
#
# p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)], weights=[0.3, 0.7])
# result = fit(p, torch.linspace(-15, 15, 1000))
# print(f"mu = {result.mu.item():.4f}, sigma = {result.sigma.item():.4f}, {result.reasons[0]}")
# ```
#
# ```text
# mu = 5.5000, sigma = 6.9462, converged
# ```
#
# </details>
#
# 3. **Scale.** Why do P and $2P$ give the same forward-KL fit, but not the same MSE fit?
#
# <details><summary>Solution</summary>
#
# The forward KL normalises P (here on the grid; in the original, $\log 2$ and the factor
# $2/(N\Delta x)$ shift and scale the loss without moving its minimiser). MSE compares
# $p$ with $q$ as they are, and $q$ always has mass 1: against a mode of mass 1 the best
# Q is that mode itself, against a mode of mass ½ it is a wider, lower Gaussian. The
# [next page](../kl_vs_other_losses/) works out the width.
#
# </details>
#
# ## Further reading
#
# * sidml, ["Understanding KL Divergence"](https://sidml.github.io/Understanding-KL-Divergence/)
#   (2019): the original post and notebook this page reproduces. The article this site grew
#   from, "KL 散度" (KL divergence), a Chinese tutorial page dated 2025-03-28, paraphrases
#   this post in translation, without its figures and code.
# * PyTorch, [`torch.nn.functional.kl_div`](https://pytorch.org/docs/stable/generated/torch.nn.functional.kl_div.html):
#   the argument order, `log_target` and the reductions.
# * PyTorch, [`torch.distributions`](https://pytorch.org/docs/stable/distributions.html):
#   `Normal`, and `kl_divergence` for pairs with a closed form.
# * C. M. Bishop, [*Pattern Recognition and Machine Learning*](https://www.microsoft.com/en-us/research/publication/pattern-recognition-machine-learning/)
#   (2006), section 10.1: the forward and reverse KL of a factorised approximation, and
#   why one covers and the other seeks modes.
