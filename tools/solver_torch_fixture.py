#!/usr/bin/python3
"""PyTorch's optimisers on a fixed gradient sequence, for tests/unit/solver_torch_test.cc: where
Caffe's update rules (include/svertka/solver/sgd.h) and torch.optim define the same update, the
weights after every step must agree.

Four weights start at W0; step k (0-based) sets the gradient to G[k] (no loss: the gradients are
given) and calls the optimiser; the weights after each step are written. Each optimiser runs with
the settings that make it Caffe's rule: a constant learning rate (torch's SGD keeps the rate
outside the momentum buffer, Caffe inside: equal while it is constant), weight decay added to the
gradient (L2, as Caffe), Adam with eps 0 (torch adds eps to sqrt(v)/sqrt(1-b2^t), Caffe to
sqrt(v)), AdaGrad with no rate decay and a zero initial accumulator.

usage: solver_torch_fixture.py OUT.json   (committed as tests/golden/solver_torch.json)
"""
import json
import sys

import torch

W0 = [0.5, -1.0, 2.0, 0.25]
G = [[0.1, -0.2, 0.3, 0.05], [-0.3, 0.1, 0.2, -0.1], [0.2, 0.25, -0.4, 0.15],
     [0.05, -0.15, 0.1, 0.3], [-0.1, 0.2, 0.05, -0.2]]
CASES = {
    # name: (torch optimiser, its arguments, svertka's SgdOptions and rate)
    "SGD": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01),
            dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=0.01)),
    "Nesterov": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
                 dict(type="Nesterov", lr=0.1, momentum=0.9, weight_decay=0.01)),
    "AdaGrad": (torch.optim.Adagrad, dict(lr=0.1, eps=1e-8, weight_decay=0.01),
                dict(type="AdaGrad", lr=0.1, momentum=0, weight_decay=0.01, delta=1e-8)),
    "RMSProp": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.98, eps=1e-8, weight_decay=0.01),
                dict(type="RMSProp", lr=0.01, momentum=0, weight_decay=0.01, delta=1e-8,
                     rms_decay=0.98)),
    "AdaDelta": (torch.optim.Adadelta, dict(lr=1.0, rho=0.95, eps=1e-6, weight_decay=0.01),
                 dict(type="AdaDelta", lr=1.0, momentum=0.95, weight_decay=0.01, delta=1e-6)),
    "Adam": (torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=0.0, weight_decay=0.01),
             dict(type="Adam", lr=0.01, momentum=0.9, momentum2=0.999, weight_decay=0.01,
                  delta=0.0)),
}


def main():
    torch.set_default_dtype(torch.float64)
    out = {"w0": W0, "gradients": G, "cases": {}}
    for name, (optimiser, args, ours) in CASES.items():
        w = torch.nn.Parameter(torch.tensor(W0))
        opt = optimiser([w], **args)
        steps = []
        for g in G:
            w.grad = torch.tensor(g)
            opt.step()
            steps.append(w.detach().tolist())
        out["cases"][name] = {"svertka": ours, "weights": steps}
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
