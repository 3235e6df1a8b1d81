# SPDX-License-Identifier: Apache-2.0
"""The seed recipe in PyTorch, for scripts/bench vs-pytorch: Dense(512, relu) -> Dense(10, softmax) on
Fashion-MNIST (or any folder of the four MNIST IDX files), RMSprop(lr 1e-3, rho 0.9, eps 1e-7), categorical
cross-entropy, Keras's initialisers (glorot-uniform kernels, zero biases), 5 epochs, shuffled every epoch.
Prints one line: batch, seconds per epoch (each), mean, test accuracy. Usage: pytorch_mlp.py DATA_DIR BATCH [EPOCHS] [SEED]
"""
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def main():
    data, batch = sys.argv[1], int(sys.argv[2])
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    torch.manual_seed(seed)
    np.random.seed(seed)
    x = torch.tensor(idx(data + "/train-images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    y = torch.tensor(idx(data + "/train-labels-idx1-ubyte.gz"), dtype=torch.long)
    tx = torch.tensor(idx(data + "/t10k-images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    ty = torch.tensor(idx(data + "/t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(x.shape[0])
        for s in range(0, x.shape[0], batch):
            rows = order[s:s + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[rows]), y[rows])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        accuracy = (model(tx).argmax(1) == ty).float().mean().item()
    print("pytorch batch %d: seconds per epoch %s, mean %.2f, test accuracy %.4f, torch %s, threads %d" % (
        batch, ["%.2f" % s for s in seconds], sum(seconds) / len(seconds), accuracy, torch.__version__,
        torch.get_num_threads()))


if __name__ == "__main__":
    main()
