# SPDX-License-Identifier: Apache-2.0
"""The package-section workflow of Kindling's PackageSectionBench in PyTorch, on the split it wrote (DIR/train.csv,
DIR/test.csv: label, then 12 word ids): Embedding(2000, 32) -> an embedding + dense classifier, LSTM(32) or a 1-d
convnet -> Dense(8), Adam 0.001, batch 64, 5 epochs, printing parameters, seconds per epoch (epochs 2..5) and test
accuracy. Usage: pytorch_packages.py DIR"""
import os
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))


def load(path):
    t = torch.tensor([[int(v) for v in line.split(",")] for line in open(path)])
    return t[:, 1:], t[:, 0]


train_x, train_y = load(os.path.join(sys.argv[1], "train.csv"))
test_x, test_y = load(os.path.join(sys.argv[1], "test.csv"))


class Model(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.embedding = torch.nn.Embedding(2000, 32)
        if kind == "dense":
            self.hidden = torch.nn.Linear(12 * 32, 32)
        elif kind == "lstm":
            self.rnn = torch.nn.LSTM(32, 32, batch_first=True)
        else:
            self.conv1 = torch.nn.Conv1d(32, 32, 3, padding=1)   # 'same' for an odd kernel
            self.conv2 = torch.nn.Conv1d(32, 32, 3, padding=1)
        self.dense = torch.nn.Linear(32, 8)

    def forward(self, ids):
        e = self.embedding(ids)
        if self.kind == "dense":
            return self.dense(torch.relu(self.hidden(e.flatten(1))))
        if self.kind == "lstm":
            out, _ = self.rnn(e)
            return self.dense(out[:, -1, :])
        h = F.max_pool1d(torch.relu(self.conv1(e.transpose(1, 2))), 2)
        return self.dense(torch.relu(self.conv2(h)).amax(dim=2))


for kind, name in (("dense", "Flatten -> Dense(32, relu)"), ("lstm", "LSTM(32)"),
                   ("conv", "Conv1D(32, 3, same) -> MaxPooling1D(2) -> Conv1D(32, 3, same) -> GlobalMaxPooling1D")):
    torch.manual_seed(1)
    model = Model(kind)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    seconds = []
    n = len(train_y)
    for epoch in range(5):
        start = time.perf_counter()
        order = torch.randperm(n)
        for b in range(0, n, 64):
            idx = order[b:b + 64]
            optimizer.zero_grad()
            loss_fn(model(train_x[idx]), train_y[idx]).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print("PyTorch %s: %s parameters, %.2f s/epoch (epochs 2..5), test accuracy %.4f after 5 epochs"
          % (name, format(sum(p.numel() for p in model.parameters()), ","), sum(seconds[1:]) / 4, accuracy))
