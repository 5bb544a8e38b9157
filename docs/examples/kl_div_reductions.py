"""What the reductions of torch.nn.functional.kl_div compute, against the KL per sample."""

import textwrap
import warnings

import torch
import torch.nn.functional as F

from kltutorial import kl_divergence

# A batch of two (P, Q) pairs over three outcomes: shape (batch, outcomes) = (2, 3).
p = torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]])
q = torch.tensor([[0.25, 0.5, 0.25], [0.3, 0.3, 0.4]])
per_sample = kl_divergence(p, q)
print(f"kltutorial, one KL per sample:   {per_sample[0]:.4f}, {per_sample[1]:.4f}")
print(f"  their mean:                    {per_sample.mean():.4f}")
print(f"  their sum:                     {per_sample.sum():.4f}")
print()
print(f"reduction='batchmean':           {F.kl_div(q.log(), p, reduction='batchmean'):.4f}")
print(f"reduction='sum':                 {F.kl_div(q.log(), p, reduction='sum'):.4f}")
# The default divides by all 6 elements. PyTorch warns about it; catch the warning to
# print it here, word for word.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    mean = F.kl_div(q.log(), p)
print(f"reduction='mean' (the default):  {mean:.4f}")
print(f"  = the sum / (2 * 3):           {per_sample.sum() / p.numel():.4f}")
print()
# 'batchmean' divides by the size of the first dimension. Without a batch dimension
# that is the number of outcomes, and the answer is a third of the KL.
one_pair = F.kl_div(q[0].log(), p[0], reduction="batchmean")
batch_of_one = F.kl_div(q[:1].log(), p[:1], reduction="batchmean")
print(f"one pair, no batch dim, 'batchmean': {one_pair:.4f}")
print(f"one pair, batch of one, 'batchmean': {batch_of_one:.4f}")
print()
print("PyTorch's warning for 'mean':")
print(textwrap.fill(str(caught[0].message), width=88))
