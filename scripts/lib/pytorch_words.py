# SPDX-License-Identifier: Apache-2.0
"""The word-language workflow of Kindling's WordLanguageBench in PyTorch, on the split it wrote (DIR/train.csv,
DIR/test.csv: label, then 16 character ids): Embedding(V, 16) -> an embedding + dense classifier, a 1-d convnet,
GRU(32) or Bidirectional(LSTM(32)) -> Dense(5),
Adam 0.001, batch 64, 5 epochs, printing parameters, seconds per epoch (epochs 2..5) and test accuracy.
Usage: pytorch_words.py DIR"""
import os
import sys
import time

import torch

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
torch.manual_seed(1)


def load(path):
    rows = [[int(v) for v in line.split(",")] for line in open(path)]
    t = torch.tensor(rows)
    return t[:, 1:], t[:, 0]


train_x, train_y = load(os.path.join(sys.argv[1], "train.csv"))
test_x, test_y = load(os.path.join(sys.argv[1], "test.csv"))
vocabulary = int(max(train_x.max(), test_x.max())) + 1


class Model(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.embedding = torch.nn.Embedding(vocabulary, 16)
        if kind == "dense":
            self.hidden = torch.nn.Linear(16 * 16, 32)
            self.dense = torch.nn.Linear(32, 5)
        elif kind == "conv":
            self.conv1 = torch.nn.Conv1d(16, 32, 3)
            self.conv2 = torch.nn.Conv1d(32, 32, 3)
            self.dense = torch.nn.Linear(32, 5)
        elif kind == "gru":
            self.rnn = torch.nn.GRU(16, 32, batch_first=True)
            self.dense = torch.nn.Linear(32, 5)
        else:
            self.rnn = torch.nn.LSTM(16, 32, batch_first=True, bidirectional=True)
            self.dense = torch.nn.Linear(64, 5)

    def forward(self, ids):
        e = self.embedding(ids)
        if self.kind == "dense":
            return self.dense(torch.relu(self.hidden(e.flatten(1))))
        if self.kind == "conv":   # channels first for Conv1d; MaxPooling1D(2) and GlobalMaxPooling1D as Keras's
            h = torch.nn.functional.max_pool1d(torch.relu(self.conv1(e.transpose(1, 2))), 2)
            return self.dense(torch.relu(self.conv2(h)).amax(dim=2))
        out, _ = self.rnn(e)
        if self.kind == "gru":
            return self.dense(out[:, -1, :])
        # Keras's Bidirectional without return_sequences: the forward layer's last state, the backward layer's last
        return self.dense(torch.cat([out[:, -1, :32], out[:, 0, 32:]], dim=1))


for kind, name in (("dense", "Flatten -> Dense(32, relu)"),
                   ("conv", "Conv1D(32, 3) -> MaxPooling1D(2) -> Conv1D(32, 3) -> GlobalMaxPooling1D"),
                   ("gru", "GRU(32)"), ("bilstm", "Bidirectional(LSTM(32))")):
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
