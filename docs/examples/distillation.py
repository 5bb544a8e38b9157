"""Knowledge distillation: a small student with 100 labels, with and without a teacher."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)  # one thread: the same digits on every machine
torch.manual_seed(0)
FEATURES, CLASSES = 10, 5

# The task: a fixed random network decides the class of each input, so the classes have
# curved boundaries that a linear model cannot draw.
truth = nn.Sequential(nn.Linear(FEATURES, 32), nn.Tanh(), nn.Linear(32, CLASSES))


def make_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """N inputs and their labels."""
    x = torch.randn(n, FEATURES)
    with torch.no_grad():
        return x, truth(x).argmax(-1)


x_train, y_train = make_data(2000)  # the teacher's training set
x_test, y_test = make_data(5000)
x_few, y_few = x_train[:100], y_train[:100]  # all the labels the student gets


def mlp(hidden: int) -> nn.Module:
    """A one-hidden-layer classifier."""
    return nn.Sequential(nn.Linear(FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, CLASSES))


def train(
    model: nn.Module,
    loss_of_logits: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    steps: int = 150,
) -> nn.Module:
    """Full-batch Adam on loss_of_logits(model(x))."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of_logits(model(x)).backward()
        optimizer.step()
    return model


def accuracy(model: nn.Module) -> float:
    """The fraction of the test set classified correctly."""
    with torch.no_grad():
        return float((model(x_test).argmax(-1) == y_test).float().mean())


# --8<-- [start:loss]
def distillation_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
) -> torch.Tensor:
    """Hinton et al.'s loss: alpha on the soft targets, 1 - alpha on the hard labels."""
    soft = F.kl_div(
        F.log_softmax(student / temperature, -1),
        F.log_softmax(teacher / temperature, -1),
        log_target=True,
        reduction="batchmean",
    )
    hard = F.cross_entropy(student, labels)
    return alpha * soft * temperature**2 + (1 - alpha) * hard


# --8<-- [end:loss]


teacher = train(mlp(64), lambda logits: F.cross_entropy(logits, y_train), x_train)
with torch.no_grad():
    teacher_logits = teacher(x_few)  # the soft targets, computed once
print(f"teacher (64 hidden units, 2000 labels): test accuracy {accuracy(teacher):.3f}")
print()
print("student (16 hidden units, 100 labels)   seed 0  seed 1  seed 2   mean")
runs = {
    "hard labels only": lambda logits: F.cross_entropy(logits, y_few),
    "distilled, T = 1, alpha = 0.9": lambda logits: distillation_loss(
        logits, teacher_logits, y_few, temperature=1.0, alpha=0.9
    ),
    "distilled, T = 4, alpha = 0.9": lambda logits: distillation_loss(
        logits, teacher_logits, y_few, temperature=4.0, alpha=0.9
    ),
}
for name, loss in runs.items():
    accuracies = []
    for seed in range(3):
        torch.manual_seed(100 + seed)  # the same three initial students for every loss
        accuracies.append(accuracy(train(mlp(16), loss, x_few)))
    cells = "  ".join(f"{a:.3f}" for a in accuracies)
    print(f"{name:<38}  {cells}   {sum(accuracies) / 3:.3f}")
