"""A tiny VAE on 2-D points, trained with four KL weights beta: latent use or reconstruction."""

import torch
from torch import nn

torch.set_num_threads(1)  # one thread: the same digits on every machine
torch.manual_seed(0)

# 500 points near a parabola: one number, t, says where a point is along the curve; the
# rest is noise of standard deviation 0.05.
t = torch.rand(500) * 2 - 1
data = torch.stack([t, t**2 - 1 / 3], dim=-1) + 0.05 * torch.randn(500, 2)
NOISE = 0.05  # the decoder's fixed standard deviation, sigma_x


class VAE(nn.Module):
    """Encoder to a diagonal Gaussian q(z|x) over 2 latent dimensions; decoder to x's mean."""

    def __init__(self, latent: int = 2, hidden: int = 32) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.Tanh(), nn.Linear(hidden, 2))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, log_var = self.encoder(x).chunk(2, dim=-1)
        return mu, log_var


def kl_to_standard_normal(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) per latent dimension, in closed form."""
    return 0.5 * (mu**2 + log_var.exp() - 1 - log_var)


def loss_terms(model: VAE, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per point: the reconstruction term -log p(x|z) (up to a constant) and the KL."""
    mu, log_var = model.encode(x)
    z = mu + (0.5 * log_var).exp() * torch.randn_like(mu)  # the reparameterisation trick
    reconstruction = ((x - model.decoder(z)) ** 2).sum(-1) / (2 * NOISE**2)
    return reconstruction.mean(), kl_to_standard_normal(mu, log_var).sum(-1).mean()


def train(beta: float, steps: int = 200) -> VAE:
    """Minimise reconstruction + beta * KL (beta = 1 is minus the ELBO) with Adam."""
    torch.manual_seed(1)  # the same initial network for every beta
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        reconstruction, kl = loss_terms(model, data)
        (reconstruction + beta * kl).backward()
        optimizer.step()
    return model


BETAS = (0.1, 1.0, 10.0, 100.0)
models = {beta: train(beta) for beta in BETAS}

print(f"data: {len(data)} points, total variance {data.var(0).sum():.3f}")
print("beta    KL per dimension    active   squared error of")
print("        (largest first)     units    the reconstruction")
for beta, model in models.items():
    with torch.no_grad():
        mu, log_var = model.encode(data)
        kl = kl_to_standard_normal(mu, log_var).mean(0).sort(descending=True).values
        # A dimension is active if its code moves with x (Burda et al., 2016).
        active = int((mu.var(0) > 0.01).sum())
        error = ((data - model.decoder(mu)) ** 2).sum(-1).mean()
    print(f"{beta:>5g}   {kl[0]:.3f}  {kl[1]:.3f}        {active}        {error:.4f}")
