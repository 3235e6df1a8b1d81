# SPDX-License-Identifier: Apache-2.0
"""Chapter 6's Embedding(10000, 32) -> LSTM(32) -> Dense(1, sigmoid) in PyTorch on random token sequences, the
recipe of Kindling's LstmBench (samples, timesteps, batch 128, RMSprop lr 0.001 with Keras's rho 0.9 and eps 1e-7),
printing seconds per epoch. Usage: pytorch_lstm.py SAMPLES TIMESTEPS EPOCHS"""
import os
import sys
import time

import torch

samples, steps, epochs = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
torch.manual_seed(1)
x = torch.randint(1, 10000, (samples, steps))
y = torch.randint(0, 2, (samples, 1)).float()


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10000, 32)
        self.lstm = torch.nn.LSTM(32, 32, batch_first=True)
        self.dense = torch.nn.Linear(32, 1)

    def forward(self, ids):
        out, _ = self.lstm(self.embedding(ids))
        return self.dense(out[:, -1, :])


model = Model()
optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
loss_fn = torch.nn.BCEWithLogitsLoss()
print("torch", torch.__version__, "threads", torch.get_num_threads(),
      "parameters", sum(p.numel() for p in model.parameters()))
seconds = []
for epoch in range(epochs):
    start = time.perf_counter()
    order = torch.randperm(samples)
    total = 0.0
    for b in range(0, samples, 128):
        idx = order[b:b + 128]
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    seconds.append(time.perf_counter() - start)
    print("epoch %d: %.2f s, loss %.4f" % (epoch + 1, seconds[-1], total / samples))
rest = seconds[1:] or seconds
print("seconds per epoch: mean %.2f" % (sum(rest) / len(rest)))
