# SPDX-License-Identifier: Apache-2.0
"""Chapter 5's convnet of Deep Learning with R in PyTorch, for scripts/bench convnet: the same model (three 3x3
convolutions with relu, two 2x2 max poolings, Dense(64, relu), Dense(10)), Keras's initialisers (glorot uniform,
zero bias), RMSprop with Keras's defaults (lr 1e-3, rho 0.9, eps 1e-7), categorical cross-entropy, 5 epochs of
batch 64 with a reshuffle each epoch, on the same IDX files. Prints the seconds of each epoch and the test accuracy.

Usage: convnet_torch.py DATA_DIR SEED TORCH_THREADS [EPOCHS]
"""
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def find(data_dir, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(data_dir, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit("missing " + os.path.join(data_dir, name) + "[.gz]")


def main():
    data_dir, seed, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    load = lambda name: idx(find(data_dir, name))
    # (n, 1, 28, 28): PyTorch is channels-first; Kindling and Keras are channels-last. Same arithmetic.
    train_x = torch.tensor(load("train-images-idx3-ubyte"), dtype=torch.float32).unsqueeze(1) / 255
    train_y = torch.tensor(load("train-labels-idx1-ubyte"), dtype=torch.int64)
    test_x = torch.tensor(load("t10k-images-idx3-ubyte"), dtype=torch.float32).unsqueeze(1) / 255
    test_y = torch.tensor(load("t10k-labels-idx1-ubyte"), dtype=torch.int64)

    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(576, 64), nn.ReLU(),
        nn.Linear(64, 10))
    for m in model:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)   # Keras's glorot_uniform (same fans for conv kernels)
            nn.init.zeros_(m.bias)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()   # softmax + categorical cross-entropy on the logits

    n = train_x.shape[0]
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(n)
        correct, total_loss = 0, 0.0
        model.train()
        for i in range(0, n, 64):
            rows = order[i:i + 64]
            x, y = train_x[rows], train_y[rows]
            optimizer.zero_grad()
            logits = model(x)
            loss = loss_fn(logits, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(rows)
            correct += (logits.argmax(1) == y).sum().item()
        seconds = time.perf_counter() - start
        print(f"epoch {epoch}/{epochs}: {seconds:.2f} s, loss {total_loss / n:.4f}, accuracy {correct / n:.4f}",
              flush=True)
    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
