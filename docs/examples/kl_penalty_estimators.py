"""The per-token KL penalty of RLHF, estimated on sampled tokens with k1 and k3."""

import torch
import torch.nn.functional as F

torch.manual_seed(0)
VOCABULARY = 8
SAMPLES = 1_000_000  # tokens drawn from the policy at one position

reference_logits = torch.randn(VOCABULARY)  # the frozen reference model, at one position
direction = torch.randn(VOCABULARY)  # the way fine-tuning moves the policy's logits

for drift in (0.1, 0.5, 2.0):
    policy_logits = reference_logits + drift * direction
    # The exact per-token KL(policy || reference): it needs both full distributions.
    exact = F.kl_div(
        reference_logits.log_softmax(-1),  # input: log of the second argument
        policy_logits.log_softmax(-1),  # target: log of the first, the sampling distribution
        log_target=True,
        reduction="sum",
    )
    # What an RLHF trainer has: tokens the policy sampled, and both models' log-probs of them.
    tokens = torch.distributions.Categorical(logits=policy_logits).sample((SAMPLES,))
    logp = policy_logits.log_softmax(-1)[tokens]
    logp_ref = reference_logits.log_softmax(-1)[tokens]
    log_ratio = logp_ref - logp  # log r, with r = pi_ref(token) / pi(token)
    k1 = -log_ratio
    k3 = torch.expm1(log_ratio) - log_ratio  # (r - 1) - log r, never negative
    print(f"drift {drift}: exact KL {exact:.6f}")
    for name, k in (("k1", k1), ("k3", k3)):
        print(
            f"  {name}: mean {k.mean():.6f} (standard error {k.std() / SAMPLES**0.5:.6f}),"
            f" std / KL {k.std() / exact:5.2f}, negative on {(k < 0).float().mean():5.1%} of tokens"
        )
