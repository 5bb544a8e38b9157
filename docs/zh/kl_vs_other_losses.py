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
# # KL 与 MSE、L1 和余弦的对比
#
# [原实验](../original_experiment/)（出自 [sidml 2019 年的博文](https://sidml.github.io/Understanding-KL-Divergence/)）用一个高斯分布 Q 去拟合两个高斯分布，并得出结论：KL 散度把 Q 放在两个峰**之间**，而 MSE、L1 和余弦相似度“没有中间地带”，会把 Q 送到**最近的峰**上。原实验只从一两个起点运行了 MSE 和余弦，只用了一种优化器，而且从未真正运行过 L1。
#
# 本页从许多起点出发运行每一种损失，追问究竟是什么决定了一次拟合的终点。简短的回答是：这些损失确实有位于中间的极小值；拟合能否找到它们，取决于优化器、$\sigma$ 的参数化方式、目标分布的尺度以及网格。原实验的做法恰好是能避开这些极小值的那一种。
#
# 这五种损失都是网格上两条密度曲线 $p$（目标分布）和 $q$（高斯分布 $\mathcal N(\mu, \sigma^2)$）的函数：
#
# | 损失 | 取值 | 它鼓励什么 |
# |---|---|---|
# | 前向 KL | $D_{\mathrm{KL}}(P \,\|\, Q) = \int p \log(p/q)\,dx$ | Q 覆盖 P 的全部 |
# | 反向 KL | $D_{\mathrm{KL}}(Q \,\|\, P) = \int q \log(q/p)\,dx$ | Q 待在 P 的内部 |
# | MSE | $\int (p - q)^2\,dx$ | 两条曲线逐点吻合 |
# | L1 | $\int \lvert p - q \rvert\,dx$ | 同上，但惩罚是线性的 |
# | 余弦 | $-\int pq\,dx \big/ \sqrt{\int p^2 dx \int q^2 dx}$ | 两条曲线的形状吻合 |
#
# 两种 KL 损失会先把 P 归一化；MSE 和 L1 按曲线给定的尺度直接比较；余弦则不考虑尺度。

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
# ## 1. 从原实验的起点出发运行每种损失
#
# 从 $\mu = 0$（原实验的第一个起点）和 $\mu = 5$（第二个起点，离位于 10 的峰更近）出发，取 $\sigma = 1$，对两种目标分布各做一遍：一种是原实验用的两个密度之和（质量为 2），另一种是归一化的混合分布（质量为 1）。`kltutorial.fit` 使用牛顿法，并报告每次拟合是否到达了经过验证的局部极小值，以及它为何停止。同一种损失的两个起点放在一次向量化调用中完成。

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
# 逐个损失地来读这张表：
#
# * **前向 KL** 无论从哪个起点出发、对哪种目标分布，都停在矩匹配的解上（均值 2.5，$\sigma = \sqrt{57.25}$）：它会先把 P 归一化，所以尺度无关紧要。
# * **反向 KL** 走向一个峰，即离起点较近的那个：它是模式寻找型的损失，而原实验没有运行它。
# * **MSE** 从这些起点出发会走向较近的峰。以两个密度之和为目标时，它恰好落在峰上，且 $\sigma = 1$：和的每个峰质量都是 1，与 Q 相同，所以 Q 能与它完全吻合。以混合分布为目标时，每个峰的质量为 ½，最优的高斯分布更宽也更矮。若 Q 的中心位于峰上，则最小化 $\int(\tfrac12 n_k - q)^2$（对 $\sigma$ 求极小，其中 $n_k$ 是该峰对应的单位高斯密度）就是在 $\int q^2 = 1/(2\sigma\sqrt\pi)$ 与重叠项 $\int n_k\,q = 1/\sqrt{2\pi(1+\sigma^2)}$ 之间取得平衡，由此得到 $(1 + \sigma^2)^{3/2} = \sqrt2\,\sigma^3$，即 $\sigma^2 = 1/(2^{1/3} - 1)$，$\sigma \approx 1.9615$：这正是表中从 $\mu = 0$ 出发得到的 1.961。（位于 10 的峰离网格末端只有 5 个单位，这会让它的拟合结果略有偏移。）
# * **L1** 和**余弦**这两行才值得细看：从这些起点出发，牛顿法把它们带到一个**很宽**的 Q，而不是某个峰上。接下来两节说明这些解从何而来。

# %% [markdown]
# ## 2. 损失曲面
#
# 每种损失都是两个数 $(\mu, \sigma)$ 的函数，因此可以画出来。下面的单元格在由 $(\mu, \sigma)$ 组合构成的网格上一次性批量计算每种损失：把一个 `(n_mu * n_sigma, 1000)` 的 $\log q$ 数组（每行对应一个高斯分布）一次传给损失函数。每个子图中的颜色表示损失值在该子图所有取值中的**排名**（两种配色方案下都是浅色表示低），这样无论尺度如何，每个子图都能用满整个色彩范围。图中的标记是牛顿法从 36 个分散的起点出发找到的局部极小值；虚线是 $\sigma = 30$，即网格的宽度，一旦超过它，`fit` 就会停止运行并判为未收敛。

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
# 可见，“没有中间地带”并不是 MSE、L1 或余弦的性质。它们在各个峰上都有极小值，**同时**还各有一个 Q 很宽、铺满两个峰的极小值（见上面的列表：MSE 和 L1 的位于两峰之间，余弦的在这个网格上位于 $\mu = 11$ 附近）。这些中间的极小值只是局部的：它们的损失值比峰上的高。拟合最终停在哪里，取决于它从哪个吸引盆出发，以及优化器走的路径。
#
# 对于混合分布，L1 的极小值会构成整片的**平坦集**：如果 Q（质量为 1）在某个峰附近处处高于该峰的曲线 $\tfrac12 n_k$，而在另一个峰附近可以忽略不计，那么 $\int|p - q| = \int (q - \tfrac12 n_k) + \tfrac12 = 1$，与 Q 的 $\mu$ 和 $\sigma$ 的具体取值无关。任何完整覆盖其中一个半峰（质量为 ½ 的峰）的高斯分布都是极小值。`fit` 会把它们报告为已收敛，并给出专门的原因（折叠在“小结”之后的附录说明了它如何验证这些极小值）。
#
# 余弦的损失曲面对两种目标分布完全相同：它不考虑尺度。

# %% [markdown]
# ## 3. 吸引盆：每个起点的归宿
#
# 损失曲面告诉我们极小值在哪里；吸引盆图则告诉我们哪个起点去往哪里。下面对每种损失和两种目标分布，取 256 个起点，从 $\mu = -14$ 到 $14$，$\sigma = 1$，每种损失和目标分布只调用一次向量化的 `fit`（牛顿法）。单元格统计没有到达极小值的拟合次数；每次拟合停止的原因列在[附录](#appendix-how-the-fit-stops-and-why-each-run-above-stopped)中。附录折叠在“小结”之后，点击其标题即可展开。

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
# 各子图把最终的 $\mu$ 画成起始 $\mu$ 的函数：用该损失的颜色画的实心点表示收敛且 Q 落在某个峰上的拟合（$\sigma < 3$），空心圆圈表示收敛到一个很宽的 Q 的拟合（$\sigma \ge 3$），叉号表示未收敛的拟合（画在其最后的 $\mu$ 处，超出子图范围的截断到边界）。

# %%
figures.basin_maps(
    starts, {key: (r.mu, r.sigma, r.converged) for key, r in basins.items()}, wide=3.0
)

# %% [markdown]
# “没有中间地带”所描述的阶跃函数，在反向 KL 和 MSE 上确实存在，跳变点在两峰之间的中点 2.5 附近。L1 和余弦则不同：有一整段起点最终都停在它们的宽极小值上。叉号是 `fit` 未能验证的运行，每种损失至多约占起点的十分之一（见上面的计数）。当 Q 以 $\sigma = 1$ 从远处的尾部出发时，它与 P 几乎没有重叠，降低损失的唯一办法就是把 Q 藏起来：把它推出网格的边界，让损失看不见它。`fit` 会停止这些运行（“mu left the
# grid”），而不是把它们当作答案报告出来。L1 没有这样的运行：按 `kltutorial` 的计算方式，它会计入 Q 在网格之外的质量，所以藏起 Q 并不划算。
#
# ## 4. 什么决定了 MSE、L1 和余弦的终点
#
# 原实验的设置与一个严谨的设置之间有四处不同。下表每次只改变其中一处，并使用三个起点：原实验的 0 和 5，以及两峰正中间的 2.5。每个单元格给出最终的 $\mu$ 和 $\sigma$，✓ 表示拟合已收敛，`~` 表示到达步数上限时仍在移动，✗ 表示停止时没有找到极小值。[附录](#appendix-how-the-fit-stops-and-why-each-run-above-stopped)给出了每一条原因。最后一列表示“没有中间地带”是否成立，即每个起点是否都停在某个峰上。
#
# * **优化器**。第一行是原实验的做法 `fit(..., faithful=True)`：Adam，学习率 $10^{-3}$，直接在原始 $\sigma$ 上训练 10,000 步，使用 `torch.nn.functional` 中的损失，精度为 float32。牛顿法的各行则会找到每个起点所在吸引盆的极小值。
# * **目标分布的尺度**：两密度之和（质量为 2）与归一化的混合分布（质量为 1）对比。
# * **网格的截断：** $[-15, 15]$ 与 $[-40, 40]$ 对比（间距相同）。
# * **$\sigma$ 的参数化方式与学习率**，使用 Adam 和固定步数：直接优化原始值与优化 log $\sigma$ 两种参数化对比，并采用更大的学习率 $0.05$，训练 2,000 步。

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
# 这张表说明了什么：
#
# * **原实验的做法正是“没有中间地带”成立的那个设置**：三种损失、三个起点都成立，包括 L1（原文没有运行 L1 就下了这个结论；它的 L1 运行确实落在峰上，但到第 10,000 步时仍在缓慢挪动）。原因在于 Adam 本身：它对每个参数的步长做了归一化，所以无论梯度多大，$\mu$ 和原始 $\sigma$ 每一步都大约移动一个学习率的距离。从 $\sigma = 1$ 出发，Q 横向滑动的速度与它可能变宽的速度相同，于是早在它宽到能感受到另一个峰之前，就已经到达了 5 到 7.5 个单位之外的某个峰。
# * **能给出验证的极小化方法会找到中间解**。在同样的目标分布和网格上，牛顿法会把从中点出发的 MSE、从 0 和 5 出发的 L1，以及从每个起点出发的余弦，都带到一个宽极小值。“没有中间地带”对每种损失都不成立。
# * **尺度**对 MSE 和 L1 有影响，对余弦没有。对于混合分布，MSE 在峰上的解变宽到 $\sigma \approx 1.96$，其宽极小值也会移动；L1 的峰变成平坦集（从 2.5 出发的拟合停在该集合中 10 附近的某一点上）；余弦的各行完全相同。
# * **截断**会移动那些只看得见网格的损失的宽极小值。MSE 和余弦在网格点上比较两条曲线，所以 Q 被推过 $x = 15$ 的那部分质量对它们来说毫无代价：在短网格上，余弦的宽极小值偏向靠近位于 10 的峰的那一侧边界。在 $[-40, 40]$ 上它是对称的，位于 $\mu = 2.5$。按 `kltutorial` 的计算方式，L1 会计入 Q 在网格之外的质量（在那里 $|p - q| = q$），所以它的宽极小值在两种网格上相同，都是 (2.50,
#   7.52)，从 0 和 5 出发的起点在两种网格上也都能到达它。从中点出发的起点则不然：它是一个恰好夹在两个吸引盆之间的窄 Q，会滑向某个峰，在短网格上滑向 10，在宽网格上滑向 -5（两种网格的格点关于 2.5 并不对称，这就足以让它偏向一边）。MSE 从 2.5 出发的起点在宽网格上同样滑向一个峰；它的宽极小值依然存在，见下文。
# * **参数化方式与学习率。** Adam 的各行使用原实验的 `torch.nn.functional` 损失，它们只看得见网格点。直接优化原始 $\sigma$、学习率大 50 倍时，MSE 和 L1 仍然滑向某个峰，因为两个参数仍以相同的速度移动；而余弦从中点出发时则会变宽。在同样的学习率下改用 $\sigma = e^s$，$\sigma$ 会按几何级数增长，Q 先变宽再滑动，没有一次拟合停在峰上：MSE 到达它的宽极小值，余弦缓慢地向自己的宽极小值爬去，而 L1 看不见自己推出网格的那部分质量，会把 Q 铺展到超过网格宽度，始终找不到极小值。
#
# 中间的极小值并不是短网格造成的假象。在 $[-40, 40]$ 上，从中点处一个很宽的 Q 出发，牛顿法为每种损失都验证了一个中间极小值，而且每一个的损失都比 Q 落在峰上时更高：

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
# **余弦中间极小值的精确解**。在整条实数轴上，把 Q 放在中点 2.5，于是两个峰到它的距离都是 $d = 7.5$。令 $s^2 = \sigma^2 + 1$，则重叠项为 $\int p\,q = 2\,\mathcal N(d; 0, s^2)$，而 $\int q^2 = 1/(2\sigma\sqrt\pi)$，所以余弦相似度正比于 $\sqrt\sigma\, e^{-d^2/(2 s^2)}/s$。令它对 $\sigma$ 的导数为零，得到 $\sigma^4 - 2d^2\sigma^2 - 1 = 0$，即 $\sigma^2 = d^2 + \sqrt{d^4 + 1}$。下一个单元格把它与 $[-40, 40]$ 上的拟合结果进行比较：

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
# 这个宽 Q 确实是相似度的一个局部极大值，只是比峰上的差（峰上为 $1/\sqrt2$：Q 恰好与 P 两个等高的凸起之一吻合）。一次运行会找到哪一个，取决于它从哪个吸引盆出发、走了怎样的路径，这就引出了原文关于高维的那段评论，见下一节。
#
# ## 5. 众多山谷与权重平均
#
# 原文最后有一段关于深度学习的评论：高维空间中有许多山谷，从不同的随机初始权重出发，不同的运行会到达不同的极小值，而随机权重平均（SWA）可以把它们结合起来。前两点是对的；第三点需要小心。SWA（[Izmailov 等，2018，“Averaging Weights Leads to Wider Optima and Better
# Generalization”](https://arxiv.org/abs/1803.05407)）平均的是**一次**运行在训练后期访问过的权重，此时 SGD 的噪声让它在**同一个**吸引盆内四处游走。把最终落在不同吸引盆的多次运行的权重平均起来则是另一回事，而且通常会失败。
#
# 一个小例子就能在二维中展示这一切，因此可以画出来。用随机梯度下降最小化负对数似然，把混合分布 $Q = \tfrac12\mathcal N(a, 1) + \tfrac12\mathcal N(b, 1)$ 拟合到 P（归一化的混合分布）的样本上，每个小批量取 32 个样本；这个目标在相差一个常数的意义下就是前向 KL。它有两个极小值，$(a, b) = (-5, 10)$ 和 $(10, -5)$：两者是同一个 Q，只是两个分量的标签互换了，正如神经网络的隐藏单元可以任意置换而不改变网络的计算结果。每次运行训练 1,500 步，并从第 500 步起用 [`torch.optim.swa_utils.AveragedModel`](https://pytorch.org/docs/stable/optim.html#weight-averaging-swa-and-ema) 对自身的权重做平均。

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
# 从上面的输出可以读出，这个例子说明了：
#
# * **不同的运行，不同的极小值**。各个随机种子分别落到两个互为镜像的极小值上。在这里两者一样好；在神经网络中，各个极小值却未必一样好。
# * **在单次运行内部做 SWA 有帮助**。使用恒定步长的 SGD，其最后一次迭代的结果会在极小值附近不停抖动；迭代结果的平均则离极小值的中心近得多，散度也小很多倍。
# * **跨吸引盆平均会失败**。把最终落在不同极小值上的两次运行的权重平均，得到的是位于两者之间、离两者都很远的点，散度高达几十奈特：两个好解的平均是一个坏解。对同处一个吸引盆的运行做平均则没有问题。要结合不同的极小值，应该平均它们的**预测**（即集成），而不是它们的权重。
#
# 这个例子不能说明任何关于高维空间中泛化的问题，而 SWA 的主张恰恰在此：它能找到更宽、更平坦的极小值，在测试数据上迁移得更好。两个参数加一个已知的目标分布无法检验这一点；它们只能展示其中的机制。
#
# ## 小结
#
# * MSE、L1 和余弦不仅在峰上有极小值，在峰**之间**也有；只有原实验的优化器，即在原始 $\sigma$ 上使用小学习率的 Adam，能可靠地避开它们，因为它让 Q 横向移动的速度与变宽的速度一样快。
# * 尺度（和还是混合分布）会改变 MSE 和 L1 的答案；网格的截断会移动 MSE 和余弦的宽极小值；而前向 KL 的答案与这些都无关。
# * 一次拟合应当说明它是否收敛，若没有收敛又是为什么。上面 256 个起点中，至多约有十分之一（余弦最多，有 27 个）停在网格之外，而不是停在极小值上；如果只是固定步数运行，这些结果就会被当作答案报告出来。

# %% [markdown] tags=["appendix"]
# ## 附录：拟合如何停止，以及上面每次运行为何停止
#
# `fit` 使用默认优化器时，在 $(\mu, \log\sigma)$ 上运行带阻尼的牛顿法，使用精确的一阶和二阶导数。只有能给出证明时，它才把一个起点报告为**已收敛**：在 2x2 Hessian 矩阵正定的点上，牛顿步长小于 `tol`，因此该点是严格局部极小值。在 Hessian 矩阵无法给出证明的地方（L1 的折点，以及它对混合分布的平坦集），由罗盘搜索（compass search）接手：如果附近 8 个方向上的点都不能使损失的下降超过其当前值的 `tol` 倍，该运行就算作已收敛。其他每次运行都会带着一个原因停止：Q 的均值离开了网格；它的 $\sigma$ 增长到超过网格宽度（损失不再变化的平台区），或缩小到不足网格间距的一半；或者（对 Adam 而言）到达步数上限时参数仍在移动。
#
# 下面是第 3 节中 256 个起点各次运行的停止原因，用简短的键表示：

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
# 以及第 4 节表格中 ~ 和 ✗ 标记背后的原因，按损失和设置列出（✓ 单元格不列出）：

# %% tags=["appendix"]
reasons = Reasons()
for (name, label), why in table.items():
    keys = [reasons.key(r) for r in why]
    if any(k != "ok" for k in keys):
        print(f"{LABELS[name]:7s} {label:42s} " + "  ".join(f"{k:>3s}" for k in keys))
reasons.legend()

# %% [markdown]
# ## 练习
#
# 1. **亲手验证一个平坦集**。对于混合分布，验证 $\int |p - q|\,dx = 1$ 对若干个覆盖位于 10 的半峰的高斯分布都成立，例如 $\mathcal N(10, 1.5^2)$ 和 $\mathcal N(9.7, 1.2^2)$；再验证一个太窄、无法覆盖该半峰的高斯分布结果更差。
#
# <details><summary>解答</summary>
#
# 在峰附近 $q \ge \tfrac12 n_k$、且另一个半峰离得很远时，$\int|p - q| =
# \int (q - \tfrac12 n_k) + \tfrac12 = 1 - \tfrac12 + \tfrac12 = 1$。比 $\sigma = 1$ 更窄的 Q 会在峰的两翼低于 $\tfrac12 n_k$，并为此付出代价：
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
# 2. **平均预测，而不是权重**。取第 5 节中最终落在不同吸引盆的两次运行，(-5.16, 9.92) 和 (10.12,
#    -5.12)。它们的权重平均是一个糟糕的模型。那么它们的**集成**，即两个 Q 的密度的平均，其 KL 散度是多少？
#
# <details><summary>解答</summary>
#
# 两次运行描述的几乎是同一个混合分布，只是标签互换了，因此它们的密度以及这两个密度的平均都接近 P：
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
# 3. **处在中间的反向 KL**。在第 2 节的损失曲面中，反向 KL 没有宽极小值。为什么覆盖两个峰对它来说代价如此之大？
#
# <details><summary>解答</summary>
#
# $D_{\mathrm{KL}}(Q \,\|\, P) = \int q \log(q/p)\,dx$ 用 Q 自身的质量对 $\log(q/p)$ 加权。宽的 Q 会把质量放到两峰之间，而那里的 $p$ 极小（在 2.5 处，距每个峰 7.5 个单位，约为其峰值的 $e^{-28}$），所以那里的 $\log(q/p)$ 非常大。前向 KL 则按 $p$ 加权，并不在意 Q 在两峰之间做什么，这就是为什么只有它会让 Q 铺开。
#
# </details>
#
# ## 延伸阅读
#
# * sidml 的博文 ["Understanding KL
#   Divergence"](https://sidml.github.io/Understanding-KL-Divergence/)（2019），即本页所扩展的实验。本站起源于一篇题为《KL 散度》的中文教程页面（日期为 2025-03-28），它用中文转述了这篇博文，但没有收录其中的图和代码。
# * P. Izmailov, D. Podoprikhin, T. Garipov, D. Vetrov, A. G. Wilson，[Averaging Weights Leads to
#   Wider Optima and Better Generalization](https://arxiv.org/abs/1803.05407)（UAI
#   2018）：随机权重平均。
# * PyTorch 文档：[`torch.nn.functional.kl_div`](https://pytorch.org/docs/stable/generated/torch.nn.functional.kl_div.html) 和 [`torch.optim.swa_utils`](https://pytorch.org/docs/stable/optim.html#weight-averaging-swa-and-ema)。
# * C. M. Bishop，2006 年，[*Pattern Recognition and Machine Learning*](https://www.microsoft.com/en-us/research/publication/pattern-recognition-machine-learning/) 第 10.1 节：在近似多峰分布时，前向 KL 与反向 KL 的对比。
