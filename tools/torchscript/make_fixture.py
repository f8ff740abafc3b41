#!/usr/bin/python3
"""TorchScript fixtures for NeuroLab.Analysis.Features.TorchScriptFeatures.

Run with Debian's Python and its python3-torch package (torch 1.13.1+dfsg, numpy 1.24.2):

    apt-get install -y python3-torch
    /usr/bin/python3 tools/torchscript/make_fixture.py

Needs tests/NeuroLab.Analysis.Tests/Fixtures/features/kay_0_1.npy (written by
tests/NeuroLab.Analysis.Tests/Reference/features_reference.py). Writes, under that Fixtures folder:

  tiny_cnn_tuple.pt   torch.jit.script of TinyCnn: forward(x [n, 1, 32, 32]) -> Tuple of 4 tensors
                      (conv1 [n, 4, 16, 16], conv2 [n, 8, 8, 8], pool [n, 8, 1, 1], logits [n, 3])
  tiny_cnn_list.pt    torch.jit.script of the same weights returning List[Tensor]
  tiny_cnn_tensor.pt  torch.jit.trace returning only logits [n, 3]
  tiny_cnn_dict.pt    torch.jit.script returning Dict[str, Tensor]: TorchSharp 0.107 cannot marshal a
                      dict return value, so the loader must reject it with a clear message
  tiny_cnn_nested.pt  torch.jit.script returning Tuple[Tensor, List[Tensor]]: rejected as well
  tiny_cnn_state_dict.pt  torch.save(model.state_dict()): NOT TorchScript, the loader must reject it
  torchscript_input.npy   float32 [2, 1, 32, 32]: what the models were fed: kay_0_1 area-averaged
                          128 -> 32 (4 x 4 block means), then (x - 0.5) / 0.25
  torchscript_layer<i>.npy float32 reference output i (0 conv1, 1 conv2, 2 pool, 3 logits) of the eager model
"""
import os
from typing import Dict, List, Tuple

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "tests", "NeuroLab.Analysis.Tests", "Fixtures", "features")


class TinyCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(4, 8, kernel_size=3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 3)

    def layers(self, x: torch.Tensor):
        c1 = torch.relu(self.conv1(x))
        c2 = torch.relu(self.conv2(c1))
        p = self.pool(c2)
        logits = self.fc(torch.flatten(p, 1))
        return c1, c2, p, logits


class TupleModel(TinyCnn):
    def forward(self, x: torch.Tensor):
        return self.layers(x)


class ListModel(TinyCnn):
    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        c1, c2, p, logits = self.layers(x)
        return [c1, c2, p, logits]


class DictModel(TinyCnn):
    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        c1, c2, p, logits = self.layers(x)
        return {"conv1": c1, "conv2": c2, "pool": p, "logits": logits}


class TensorModel(TinyCnn):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)[3]


class NestedModel(TinyCnn):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        c1, c2, p, logits = self.layers(x)
        return c1, [c2, p, logits]


def main():
    torch.manual_seed(20080306)
    reference = TupleModel().eval()
    state = reference.state_dict()

    kay = np.load(os.path.join(FIXTURES, "kay_0_1.npy")).astype(np.float64)
    assert kay.shape == (2, 128, 128)
    small = kay.reshape(2, 32, 4, 32, 4).mean(axis=(2, 4))
    x = ((small - 0.5) / 0.25).astype(np.float32)[:, None]
    np.save(os.path.join(FIXTURES, "torchscript_input.npy"), np.ascontiguousarray(x, dtype="<f4"))
    xt = torch.from_numpy(x)

    def build(cls):
        m = cls()
        m.load_state_dict(state)
        return m.eval()

    with torch.no_grad():
        outputs = reference(xt)
        torch.jit.script(reference).save(os.path.join(FIXTURES, "tiny_cnn_tuple.pt"))
        torch.jit.script(build(ListModel)).save(os.path.join(FIXTURES, "tiny_cnn_list.pt"))
        torch.jit.trace(build(TensorModel), xt).save(os.path.join(FIXTURES, "tiny_cnn_tensor.pt"))
        torch.jit.script(build(DictModel)).save(os.path.join(FIXTURES, "tiny_cnn_dict.pt"))
        torch.jit.script(build(NestedModel)).save(os.path.join(FIXTURES, "tiny_cnn_nested.pt"))
        torch.save(state, os.path.join(FIXTURES, "tiny_cnn_state_dict.pt"))
        # The saved modules reproduce the eager outputs (same process, same torch).
        for name in ("tiny_cnn_tuple.pt", "tiny_cnn_list.pt"):
            reloaded = torch.jit.load(os.path.join(FIXTURES, name))(xt)
            for i, value in enumerate(reloaded):
                assert torch.equal(value, outputs[i]), (name, i)
        assert torch.equal(torch.jit.load(os.path.join(FIXTURES, "tiny_cnn_tensor.pt"))(xt), outputs[3])

    for i, value in enumerate(outputs):
        np.save(os.path.join(FIXTURES, f"torchscript_layer{i}.npy"), np.ascontiguousarray(value.numpy(), dtype="<f4"))
        print(i, tuple(value.shape))
    print("torch", torch.__version__)


if __name__ == "__main__":
    main()
