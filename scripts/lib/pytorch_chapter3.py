# SPDX-License-Identifier: Apache-2.0
"""Chapter 3's three workflows in PyTorch on the very rows Kindling used (scripts/bench chapter3): the splits
Chapter3Text and BostonCrossValidation wrote into DIR.

  binary-{train,test}.txt, topics-{train,test}.txt   `label id id ...`: each document's distinct word ids (< 10000)
  boston-folds.csv                                    13 features, medv, fold (0..3; -1 held out)

Keras's settings: glorot-uniform kernels and zero biases, RMSprop (lr 0.001, rho 0.9, eps 1e-7), shuffled batches.
binary: 10000 -> Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid), binary cross-entropy, 4 epochs of 64.
topics: 10000 -> Dense(64, relu) -> Dense(64, relu) -> Dense(46, softmax), cross-entropy on class indices and on
one-hot rows, 9 epochs of 512.
Boston: per fold, features standardized with the other folds' means and standard deviations (n - 1, as Spark's
StandardScaler), 13 -> Dense(64, relu) -> Dense(64, relu) -> Dense(1), mse, 80 epochs of 16; each fold's validation
mae and the mean. Usage: pytorch_chapter3.py text|boston DIR [SEED]"""
import os
import sys
import time

import torch

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
if len(sys.argv) < 3 or sys.argv[1] not in ("text", "boston"):
    sys.exit(__doc__)
part, directory = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
WIDTH = 10000


def multi_hot(path):
    rows = [line.split() for line in open(os.path.join(directory, path))]
    x = torch.zeros(len(rows), WIDTH)
    y = torch.tensor([int(r[0]) for r in rows])
    for i, r in enumerate(rows):
        if len(r) > 1:
            x[i, torch.tensor([int(v) for v in r[1:]])] = 1.0
    return x, y


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        linear = torch.nn.Linear(sizes[i], sizes[i + 1])
        torch.nn.init.xavier_uniform_(linear.weight)   # Keras's glorot_uniform
        torch.nn.init.zeros_(linear.bias)
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def train(model, x, y, loss_fn, epochs, batch):
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x))
        for b in range(0, len(x), batch):
            idx = order[b:b + batch]
            optimizer.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return sum(seconds[1:]) / max(1, len(seconds) - 1)


def text():
    torch.manual_seed(seed)
    x, y = multi_hot("binary-train.txt")
    tx, ty = multi_hot("binary-test.txt")
    model = mlp([WIDTH, 16, 16, 1])
    s = train(model, x, y.float().unsqueeze(1), torch.nn.BCEWithLogitsLoss(), 4, 64)
    with torch.no_grad():
        accuracy = ((model(tx).squeeze(1) > 0).long() == ty).float().mean().item()
    print("PyTorch binary Dense(16)-Dense(16)-Dense(1, sigmoid): %.3f s/epoch, test accuracy %.4f" % (s, accuracy))

    x, y = multi_hot("topics-train.txt")
    tx, ty = multi_hot("topics-test.txt")
    for name, target in (("sparse_categorical_crossentropy", y),
                         ("categorical_crossentropy (one-hot)", torch.nn.functional.one_hot(y, 46).float())):
        torch.manual_seed(seed)
        model = mlp([WIDTH, 64, 64, 46])
        s = train(model, x, target, torch.nn.CrossEntropyLoss(), 9, 512)
        with torch.no_grad():
            accuracy = (model(tx).argmax(1) == ty).float().mean().item()
        print("PyTorch topics %s: %.3f s/epoch, test accuracy %.4f" % (name, s, accuracy))


def boston():
    lines = [line.strip().split(",") for line in open(os.path.join(directory, "boston-folds.csv"))][1:]
    data = torch.tensor([[float(v) for v in line] for line in lines], dtype=torch.float64)
    features, target, fold = data[:, :13], data[:, 13:14], data[:, 14].long()
    torch.manual_seed(seed)
    maes = []
    start = time.perf_counter()
    for k in range(4):
        train_rows = (fold >= 0) & (fold != k)
        mean = features[train_rows].mean(0)
        std = features[train_rows].std(0)   # n - 1
        scale = lambda rows: ((features[rows] - mean) / std).float()
        model = mlp([13, 64, 64, 1])
        train(model, scale(train_rows), target[train_rows].float(), torch.nn.MSELoss(), 80, 16)
        with torch.no_grad():
            maes.append((model(scale(fold == k)) - target[fold == k].float()).abs().mean().item())
        print("PyTorch fold %d validation mae %.3f" % (k + 1, maes[-1]))
    print("PyTorch Boston 4-fold: mean validation mae %.3f, %.1f s" % (sum(maes) / 4, time.perf_counter() - start))


text() if part == "text" else boston()
