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
# # 原始实验：复现与更正
#
# 本站源自一篇题为《KL 散度》的中文教程短文，日期为 2025-03-28。文章通过最小化 KL 散度，用一个高斯分布去拟合两个高斯分布；它本身是一篇译文，原有的图和代码都没能在翻译中保留下来。图和代码都出自它所转述的一篇更早的、附有 notebook 的博客文章：[**sidml 的“Understanding KL
# Divergence”（2019）**](https://sidml.github.io/Understanding-KL-Divergence/)。想法和实验都属于 sidml。因此本页同时致谢这两处来源：实验出自 sidml 的原帖，本站则起步于那篇中文文章。本页按原帖的描述重新运行这些实验，展示它们打印出的结果，然后明确指出实验错在哪里、正确答案是什么。
#
# 那篇中文文章的译文有几处误译（例如把“机器学习”写成了“设备学习”）。本页引用它的措辞时，一律给出更正后的说法，并注明该文原来的写法。
#
# 本页的安排：
#
# 1. 像原实验那样构造目标分布，并加以检查。
# 2. 用 `torch.nn.functional.kl_div` 计算散度，包括其中的数值稳定性陷阱。
# 3. 分别对 KL、MSE 和余弦相似度运行原实验的优化循环（Adam，10,000 步）。
# 4. 逐条列出原实验做错或没有做完的地方，每一条都给出数字。
# 5. 正确地重新拟合一次，并加以比较。
#
# 记号与本站其他页面相同：P 是目标分布，Q 是用来近似它的高斯分布，$D_{\mathrm{KL}}(P \,\|\, Q) = \int p(x) \log \frac{p(x)}{q(x)}\,dx$ 以奈特为单位（取自然对数）。

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
# ## 1. 两个高斯分布，以及作为目标分布的二者之和
#
# 原实验用 `torch.distributions.Normal` 构造了两个正态分布 $\mathcal N(-5, 1)$ 和 $\mathcal N(10, 1)$，并在 $\mu \pm 5\sigma$ 范围内取 1000 个点画出各自的概率密度，以此检查它们。检查是有效的：每条曲线都在其均值处达到峰值，峰高正是正态密度的 $1/(\sigma\sqrt{2\pi})$。

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
# 目标分布 P 是两个概率密度的**和**，在一个有 1000 个点的网格上取值。原实验由参数算出网格的两端，分别为 `-mu1 - mu2 - 5*s1 - 5*s2` 和 `mu1 + mu2 + 5*s1 + 5*s2`；代入这里的数值，得到 $[-15, 15]$。近似分布 Q 从 $\mu = 0$、$\sigma = 1$ 出发，二者都是未加任何约束的原始张量，由优化器来改变。

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
# ## 2. 用 kl_div 计算散度，以及一个稳定性陷阱
#
# PyTorch 的 `torch.nn.functional.kl_div(input, target)` 要求 `input` 是近似分布的**对数**概率，`target` 是目标分布的普通概率，并逐点计算 $\mathrm{target} \cdot (\log \mathrm{target} - \mathrm{input})$。所以第一个参数是 Q，第二个参数是 P。
#
# 原实验在这里展示了一个陷阱。先算出 Q 的概率密度再取对数，得到的散度是**无穷大**；直接传入 `Q.log_prob(x)`，得到的则是一个有限的数。原因在于下溢：在远离 $\mu = 0$ 的地方，Q 的密度比 float32 能表示的最小正数还要小，于是 `exp` 把它舍入成恰好为 0，`log(0)` 等于 $-\infty$，而在 P 为正、“Q 为零”的点上，代价就是 $+\infty$。对数密度本身在那里只是一个再普通不过的数（下面打印了它的最小值）。

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
# PyTorch 还给出了警告（上面最后一行）：默认的 `reduction='mean'` 还会把总和除以网格点数，只有 `'batchmean'` 才符合数学定义。请记住这一点，第 4 节会再回到这个问题。从这里开始屏蔽这条警告，免得下面的长时间运行再把它打印出来。

# %%
warnings.filterwarnings("ignore", message="reduction: 'mean' divides", category=UserWarning)

# %% [markdown]
# ## 3. 原实验的优化循环
#
# `optimize_loss(px, loss_fn, mu, sigma)` 按名字在 `torch.nn.functional` 中查找损失函数，把 `mu` 和 `sigma` 设为可学习的参数，然后以默认学习率（$10^{-3}$）运行 `torch.optim.Adam`，在整个网格上迭代 10,000 步，同时记录损失、$\mu$ 和 $\sigma$。下面把 KL 那次运行的循环直白地写出来（损失函数接收的是 Q 的对数密度；下文 MSE 和余弦相似度的运行则改为传入 Q 的密度）。


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
# `kltutorial.fit(..., faithful=True)` 实现的正是这套做法（`torch.nn.functional` 中的损失函数及其默认的归约方式、学习率为 $10^{-3}$ 的 Adam、10,000 步、未加约束的原始 $\sigma$、float32）。本站其余部分都用它来复现原实验，所以先检查它是否得到完全相同的数字，逐位一致：

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
# 原实验画出了损失和 $\mu$ 随步数的变化；第三幅子图补上了原实验没有画的 $\sigma$。再下面是若干步数时叠在 P 上的 Q：Q 逐渐移向中间，并且变宽。

# %%
figures.training_curves(losses_kl, mus_kl, sigmas_kl, settled)

# %%
trajectory = original_kl.trajectory  # row k: mu and sigma after k steps (row 0: the start)
figures.snapshots(x, px, trajectory.mu, trajectory.sigma, steps=[0, 1000, 3000, 10_000])

# %% [markdown]
# ### 其他几次运行：MSE 与余弦相似度
#
# 接着，原实验换用别的损失函数。`mse_loss(q, p)` 逐点比较两条密度曲线（先从 $\mu = 0$ 出发，再从 $\mu = 5$ 出发），`cosine_similarity(q, p)` 则从 $\mu = 5$ 出发做最大化（即加上负号后做最小化）。两次 MSE 运行合并在一次向量化调用中完成。

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
# 正是这些结果让原文得出了它的结论：KL 把 Q 放在两个峰**之间**，而 MSE（据原文说还有 L1）和余弦相似度则“没有中间地带”，会走向最近的那个峰。
#
# ## 4. 原实验做错了什么，或者没有做完什么
#
# ### (a) P 是和，而不是混合分布：它的积分等于 2
#
# 两个概率密度相加，得到的不是概率密度。混合分布会给各个分量加权，使权重之和为一：$p(x) = \tfrac12\,\mathcal N(x; -5, 1) + \tfrac12\,\mathcal N(x; 10, 1)$。原实验的 P 的质量是它的两倍：

# %%
print(f"integral of the sum over the grid:    {torch.trapezoid(px, x).item():.4f}")
mixture = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])  # weights 1/2, 1/2
print(f"integral of the mixture over the grid: {torch.trapezoid(mixture.prob(x), x).item():.4f}")

# %% [markdown]
# 对 KL 散度来说，这一点只影响它报告的数值（见下一条）：无论对 P 还是对 $2P$，最小值点都是同一个。而 MSE 和 L1 按原样比较两条曲线，尺度会改变拟合**停在哪里**；下一页会展示具体情形。
#
# ### (b) 'mean' 归约给出的不是以奈特为单位的 KL 散度
#
# `kl_div` 在各网格点上对 $p_i(\log p_i - \log q_i)$ 求和，并在默认情况下除以网格点数 $N = 1000$。记 $p = 2\tilde p$，其中 $\tilde p$ 是归一化的混合分布，$\Delta x$ 是网格间距。对网格点求和再乘以 $\Delta x$，近似于一个积分，因此
#
# $$\frac1N \sum_i p_i \log\frac{p_i}{q_i}
#   \approx \frac{2}{N\,\Delta x}\int \tilde p \left(\log 2 + \log\frac{\tilde p}{q}\right) dx
#   = \frac{2}{N\,\Delta x}\Big(D_{\mathrm{KL}}(\tilde P \,\|\, Q) + \log 2\Big).$$
#
# 这个“损失”是把散度平移 $\log 2$ 之后，再乘上一个取决于网格的因子。下面在 KL 那次运行的起点和终点，把它与 `grid_kl`（以积分形式计算的散度，其中 P 在网格上归一化）作比较：

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
# 这个恒等式在网格求和的精度范围内成立。缩放和平移不会移动最小值点，所以上面的运行并不因此出错；但它们打印的数字不是散度，而且只要把网格加密或加宽，这些数字就会改变。本站的 `kltutorial.grid_kl` 乘以梯形法则的权重（即 $\Delta x$），而不是除以 $N$，并且把 P 在网格上归一化，所以它的值就是以奈特为单位的 KL 散度。PyTorch 的警告所推荐的 `reduction='batchmean'` 在这里也无济于事（上面最后一行）：网格是输入唯一的维度，所以它除以的仍是同一个 1000。
#
# ### (c) Sigma 是未加约束的原始参数：没有任何东西保证它为正
#
# `sigma` 是一个自由的张量，Adam 每走一步，最多把它移动大约一个学习率的量，而不管结果是正是负。在每步 $10^{-3}$、且 $\sigma$ 接近 1 的情况下，上面的运行从未碰到这个问题，但也没有任何东西能阻止它发生。同样的余弦相似度做法换用更大的学习率（这里取 2.0，好让问题快点出现），就会把 $\sigma$ 推过零点；这时 `Normal` 会拒绝这个值，原实验的循环随之崩溃。令 $\sigma = e^{s}$ 并优化 $s$，$\sigma$ 从构造上就必然为正。（在这样荒唐的步长下，对数参数化的版本同样不会成功，但它失败的方式不同，而且 `fit` 会说明是怎么失败的。）

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
# ### (d) 学习率 0.001 下的 10,000 步 Adam，停在离答案很远的地方
#
# KL 那次运行并没有完成：上面 `fit` 已经报告，到第 10,000 步时 $\sigma$ 仍在变化。它本应到达哪里？对高斯分布 Q，前向散度为
#
# $$D_{\mathrm{KL}}(P \,\|\, Q) = \int p \log p\,dx + \frac12\log(2\pi\sigma^2)
#   + \frac{\mathbb E_P[(X-\mu)^2]}{2\sigma^2}.$$
#
# 只有后两项依赖于 $\mu$ 和 $\sigma$。最后一项在 $\mu$ 等于 P 的均值时最小；此时 $\mathbb E_P[(X-\mu)^2]$ 就是 P 的方差 $v$，而 $\frac12\log\sigma^2 + v/(2\sigma^2)$ 在 $\sigma^2 = v$ 处最小。所以前向 KL 拟合**匹配的是矩**：Q 取得 P 的均值和 P 的方差。对于混合分布 $\tfrac12\mathcal N(-5, 1) + \tfrac12\mathcal N(10, 1)$，
#
# $$\mathbb E[X] = \tfrac12(-5) + \tfrac12(10) = 2.5, \qquad
#   \mathbb E[X^2] = \tfrac12(1 + 25) + \tfrac12(1 + 100) = 63.5,$$
# $$\operatorname{Var}[X] = 63.5 - 2.5^2 = 57.25, \qquad \sigma = \sqrt{57.25} \approx 7.566.$$
#
# （混合分布的方差等于各分量 $\sigma_k^2 + \mu_k^2$ 的平均值，再减去均值的平方。）原实验的 $\mu$ 到达了这里，它的 $\sigma$ 却没有。Adam 每一步最多把每个参数移动大约一个学习率的量，所以光是剩下的这段距离就还需要几千步，而且随着损失变平，步子还会越来越小：

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
# ### (e) 关于 L1 的说法从未实际运行过
#
# 原文声称，同样的做法“也可以很容易地应用于 L1 损失”，而且 L1 的表现会和 MSE 一样，但它并没有运行任何 L1 拟合。（引号内是中文文章的说法，已作更正：该文写作“也可能很容易应用于”，误把“可以”译成了“可能”。）[下一页](../kl_vs_other_losses/)会从相同的起点运行 L1，既用原实验的做法，也用一个能确认已到达极小点的求解器。结果表明，这个说法成立与否取决于优化器和网格。
#
# ### (f) 一些较小的问题
#
# * **损失曲线变平并不等于收敛**。上面的损失曲线和 $\mu$ 曲线在第 10,000 步之前看上去就已经到头了，而原实验画的恰恰只有这两条曲线。$\sigma$ 没有画出来，而它仍在上升。损失上的差距之所以很小，只是因为散度在那里对 $\sigma$ 很平坦：下面的输出比较了第 10,000 步的损失与它在正确答案处的值。
# * **网格的两端**。公式 `-mu1-mu2-5*s1-5*s2` 在这里给出 $[-15, 15]$，只是数值上的巧合：它并不随峰的位置而变。对于 $\mathcal N(-5,1) + \mathcal N(-10,1)$，它给出的是一个从 5 到 -5
#   **递减**的“网格”，两个峰都不在其中（见下文）。网格应当从最小的 $\mu_k - 5\sigma_k$ 延伸到最大的 $\mu_k + 5\sigma_k$，或者更宽。
# * **截断**。积分只覆盖 $[-15, 15]$。P 落在区间之外的质量可以忽略（它等于 $\Phi(-5)/2$，即位于 10 处那个峰的右尾质量的一半，而这个峰距边界只有 5 个 $\sigma$），所以前向 KL 不受影响；但一个很宽的 Q 会有相当一部分质量落在网格之外，而那些比较曲线的损失（MSE、L1、余弦相似度）只能看到网格之内的部分。下一页会说明，这既会制造出极小点，也会抹掉极小点。

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
# ## 5. 更正后的拟合
#
# 使用默认参数的 `kltutorial.fit` 一次性修正了上面所有的问题。它在网格上对目标分布归一化（因此无论目标是两个密度之和还是混合分布，拟合结果都相同），最小化以奈特为单位的真正的散度（`grid_kl`），令 $\sigma = e^{s}$，并使用带精确二阶导数的牛顿法；它只会停在一个**经过确认的**局部极小点上：步长小于 $10^{-9}$，且该处的黑塞矩阵（Hessian）正定。它会告诉你是否到达了那里，以及为什么停下：

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
# 寥寥几步牛顿迭代，就到达了 10,000 步 Adam 没能到达的矩匹配答案。画在归一化的 P 上，更正后的 Q 与解析答案重合；原实验的 Q 则太窄、太高：

# %%
q_analytic = (analytic_mu, analytic_sigma)
figures.fitted_densities(
    x, mixture.prob(x), (mu_kl, sigma_kl), (corrected.mu, corrected.sigma), q_analytic
)

# %% [markdown]
# 下面把两条路径画在散度（以奈特为单位）关于 $(\mu, \sigma)$ 的地形图上，整张图通过一次批量计算得到：$\log q$ 的每一行对应一个 $(\mu, \sigma)$ 组合。Adam 沿着 $\sigma$ 方向那条又长又几乎平坦的山谷缓慢爬升；牛顿法则沿着它大步跳跃。

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
# ## 本页要点
#
# * 原实验对 KL 的定性描述是对的：前向散度会让 Q 铺开，覆盖两个峰。但它的数字不对：拟合过早停止了（$\sigma \approx 5.2$，而不是 7.566），而且它打印的损失并不是散度。
# * 两行代数就能给出精确答案，而一个会检查自身是否收敛的拟合程序能够到达这个答案。只跑固定步数的优化器给不出这样的保证；要把每一个参数都画出来，而不只是损失。
# * MSE 和余弦相似度的运行确实停在了某个峰上。它们是否总是如此，“没有中间地带”是否成立，是[下一页](../kl_vs_other_losses/)的主题。

# %% [markdown]
# ## 练习
#
# 1. **'mean' 损失取决于网格**。保持间距不变，把网格加宽到 $[-30, 30]$（1999 个点）。在起点（$\mu = 0$，$\sigma = 1$）处，按均值归约的 `kl_div` 报告的值是多少？`grid_kl` 报告的又是多少？
#
# <details><summary>解答</summary>
#
# 对网格点的求和几乎不变（P 在 $\pm 15$ 之外可以忽略），但现在要除以大约两倍的点数，所以这个“损失”减半。以奈特为单位的散度是一个梯形积分，保持原值不变：
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
# 2. **权重不等时的矩匹配**。对于 $P = 0.3\,\mathcal N(-5, 1) +
#    0.7\,\mathcal N(10, 1)$，先手算出前向 KL 下的最优高斯分布，再用 `fit` 验证。
#
# <details><summary>解答</summary>
#
# $\mathbb E[X] = 0.3(-5) + 0.7(10) = 5.5$，$\mathbb E[X^2] = 0.3(1 + 25) + 0.7(1 + 100)
# = 78.5$，所以 $\operatorname{Var}[X] = 78.5 - 5.5^2 = 48.25$，$\sigma = \sqrt{48.25}
# \approx 6.946$。牛顿法在网格上的拟合结果与此一致（网格截掉的尾部可以忽略）：
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
# 3. **尺度**。为什么 P 和 $2P$ 给出相同的前向 KL 拟合，却给出不同的 MSE 拟合？
#
# <details><summary>解答</summary>
#
# 前向 KL 会对 P 归一化（这里是在网格上归一化；在原实验中，$\log 2$ 和因子 $2/(N\Delta x)$ 只是平移和缩放损失，不会移动它的最小值点）。MSE 则按原样比较 $p$ 和 $q$，而 $q$ 的质量总是 1：面对质量为 1 的峰，最好的 Q 就是这个峰本身；面对质量为 ½ 的峰，最好的 Q 是一个更宽、更矮的高斯分布。[下一页](../kl_vs_other_losses/)会算出它的宽度。
#
# </details>
#
# ## 延伸阅读
#
# * sidml，[“Understanding KL
#   Divergence”](https://sidml.github.io/Understanding-KL-Divergence/)（2019）：本页所复现的原始博文和 notebook。本站的起点——中文教程短文《KL 散度》（日期为 2025-03-28）——以译文的形式转述了这篇博文，但没有保留其中的图和代码。
# * PyTorch，[`torch.nn.functional.kl_div`](https://pytorch.org/docs/stable/generated/torch.nn.functional.kl_div.html)：参数的顺序、`log_target` 以及几种归约方式。
# * PyTorch，[`torch.distributions`](https://pytorch.org/docs/stable/distributions.html)：`Normal`，以及对有闭式解的分布对计算 KL 散度的 `kl_divergence`。
# * C. M. Bishop，[*Pattern Recognition and Machine Learning*](https://www.microsoft.com/en-us/research/publication/pattern-recognition-machine-learning/)（2006），第 10.1 节：因子分解近似下的前向 KL 与反向 KL，以及为什么前者覆盖各个峰，而后者只寻找单个峰。
