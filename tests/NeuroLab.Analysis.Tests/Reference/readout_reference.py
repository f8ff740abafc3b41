#!/usr/bin/python3
"""Reference forward pass of the factorized readout (Klindt et al. 2017) for NeuroLab.Analysis.Training tests.

r[i, u] = f(sum_{k,y,x} X[i, k, y, x] * M[u, y, x] * W[u, k] + b[u]), computed with numpy 1.24.2 in float64 by an
explicit einsum (independent of the matmul arrangement in FactorizedReadout.forward), for f = identity,
ELU(z) + 1 and softplus. Writes readout_reference.json beside this script. Run with Debian's /usr/bin/python3.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20240611)
n, c, h, w, units = 4, 3, 4, 5, 2
x = rng.standard_normal((n, c, h, w)).astype(np.float32)
mask = (rng.standard_normal((units, h, w)) * 0.5).astype(np.float32)
features = rng.standard_normal((units, c)).astype(np.float32)
bias = rng.standard_normal(units).astype(np.float32)

drive = np.einsum("ikyx,uyx,uk->iu", x.astype(np.float64), mask.astype(np.float64), features.astype(np.float64)) + bias
outputs = {
    "Identity": drive,
    "EluPlusOne": np.where(drive > 0, drive, np.expm1(drive)) + 1.0,
    "Softplus": np.logaddexp(0.0, drive),
}

out = {
    "numpy": np.__version__,
    "shape": [n, c, h, w, units],
    "x": x.ravel().tolist(),
    "mask": mask.ravel().tolist(),
    "features": features.ravel().tolist(),
    "bias": bias.tolist(),
    "outputs": {k: v.ravel().tolist() for k, v in outputs.items()},
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "readout_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
