"""The benchmark's two workloads in PyTorch on the CPU with one thread, timed like gradlab's.

Prints one JSON line: workload, warmup, steps, build_ms, ms_per_step, loss.
"""

import argparse
import json
import time

import torch
from torch import nn


def mlp_workload(generator):
    """Workload A: 1-5-10-10-10-10-10-5-1, LeakyReLU 0.01, 1000 points of x*sigmoid(x)."""
    widths = [1, 5, 10, 10, 10, 10, 10, 5, 1]
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if index < len(widths) - 2:
            layers.append(nn.LeakyReLU(0.01))
    model = nn.Sequential(*layers)
    x = torch.rand(1000, 1, generator=generator) * 10.0 - 5.0
    y = x * torch.sigmoid(x)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.0011)
    return model, optimizer, nn.MSELoss(), lambda step: (x, y)


def cnn_workload(generator):
    """Workload B: conv 5x5 8, pool, conv 5x5 16, pool, dense 64, dense 10; batch 64."""
    model = nn.Sequential(
        nn.Conv2d(1, 8, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )
    images = torch.rand(1024, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (1024,), generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    batches = len(images) // 64

    def batch(step):
        start = (step % batches) * 64
        return images[start : start + 64], labels[start : start + 64]

    return model, optimizer, nn.CrossEntropyLoss(), batch


def step(model, optimizer, loss_fn, inputs, targets):
    """One forward pass, backward pass and Adam update; returns the loss as a Python float."""
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", choices=["mlp", "cnn"], required=True)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    build_start = time.perf_counter()
    build = mlp_workload if args.workload == "mlp" else cnn_workload
    model, optimizer, loss_fn, batch = build(generator)
    build_ms = (time.perf_counter() - build_start) * 1e3

    for index in range(args.warmup):
        step(model, optimizer, loss_fn, *batch(index))
    start = time.perf_counter()
    loss = float("nan")
    for index in range(args.steps):
        loss = step(model, optimizer, loss_fn, *batch(args.warmup + index))
    elapsed_ms = (time.perf_counter() - start) * 1e3

    result = {
        "workload": args.workload,
        "warmup": args.warmup,
        "steps": args.steps,
        "build_ms": build_ms,
        "ms_per_step": elapsed_ms / args.steps,
        "loss": loss,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
