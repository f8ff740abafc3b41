#!/usr/bin/python3
"""NumPy reference for the `ridge` benchmark (bench/NeuroLab.Bench/RidgeBench.cs), on the same generated DIR.

    /usr/bin/python3 bench/ridge_reference.py DIR [units]

Same pipeline as `NeuroLab.Bench ridge DIR [units]`: alphas logspace(0, 6, 10), 5 contiguous folds, no intercept, no
standardisation, per-unit alpha by mean held-out Pearson r (scores within 1e-6 of the best tie; the first alpha wins),
refit on all training rows, Pearson r on the test rows. Written the textbook way (METHODS.md, "Encoding models"):
per fold one SVD X_tr = U S V', U'Y once per fold and batch, then for every alpha explicit held-out predictions
X_val V diag(s / (s^2 + alpha)) U'Y (float32 products, one pass each for the r sums), units in batches of 2048 read
from the memory-mapped Y files. Prints the mean test r, the time and
the peak resident memory; the last line is one JSON object like the C# benchmark's.

Debian's numpy 1.24.2 with OpenBLAS (libopenblas0-pthread) on this machine.
"""
import json
import resource
import sys
import time

import numpy as np

TIE = 1e-6
BATCH = 2048


def zcols(a):
    """Columns centred and scaled to unit length (float64), so Pearson r is a column-wise dot product."""
    a = a.astype(np.float64)
    a -= a.mean(0)
    norm = np.sqrt((a * a).sum(0))
    norm[norm == 0] = np.inf  # constant column: r = 0
    return a / norm


def main():
    d = sys.argv[1]
    units = int(sys.argv[2]) if len(sys.argv) > 2 else None
    start = time.time()
    xtr = np.load(f"{d}/X_train.npy")
    xte = np.load(f"{d}/X_test.npy")
    ytr = np.load(f"{d}/Y_train.npy", mmap_mode="r")
    yte = np.load(f"{d}/Y_test.npy", mmap_mode="r")
    units = units or ytr.shape[1]
    alphas = np.logspace(0, 6, 10).astype(np.float32)
    n, k = xtr.shape[0], 5
    sizes = [n // k + (1 if f < n % k else 0) for f in range(k)]
    bounds = np.cumsum([0] + sizes)

    folds = []
    for f in range(k):
        va = slice(bounds[f], bounds[f + 1])
        tr = np.r_[0:bounds[f], bounds[f + 1]:n]
        u, s, vt = np.linalg.svd(xtr[tr], full_matrices=False)
        folds.append((tr, va, u, s, xtr[va] @ vt.T))
    u0, s0, vt0 = np.linalg.svd(xtr, full_matrices=False)

    r_test = np.empty(units)
    best_all = np.empty(units, dtype=int)
    for first in range(0, units, BATCH):
        cols = slice(first, min(first + BATCH, units))
        y = np.ascontiguousarray(ytr[:, cols])
        cv = np.zeros((len(alphas), y.shape[1]))
        for tr, va, u, s, xva_v in folds:
            uty = u.T @ y[tr]
            yz = zcols(y[va]).astype(np.float32)  # zero mean, unit length: r = yz . pred / |pred - mean|
            m = yz.shape[0]
            for a, alpha in enumerate(alphas):
                pred = xva_v @ ((s / (s * s + alpha))[:, None] * uty)
                total = pred.sum(0, dtype=np.float64)
                spread = np.einsum("ij,ij->j", pred, pred, dtype=np.float64) - total * total / m
                cross = np.einsum("ij,ij->j", yz, pred, dtype=np.float64)
                with np.errstate(divide="ignore", invalid="ignore"):
                    cv[a] += np.where(spread > 0, cross / np.sqrt(spread), 0.0) / k
        top = cv.max(0)
        best = (cv >= top - TIE).argmax(0)
        best_all[cols] = best
        shrink = (s0[:, None] / (s0[:, None] ** 2 + alphas[None, :]))[:, best]
        w = vt0.T @ (shrink * (u0.T @ y))
        pred = xte @ w
        r_test[cols] = (zcols(pred) * zcols(np.asarray(yte[:, cols]))).sum(0)
    seconds = time.time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    counts = np.bincount(best_all, minlength=len(alphas))
    print(f"numpy {np.__version__}: units {units}, chosen alphas " + " ".join(f"{alphas[i]:.3g}:{c}" for i, c in enumerate(counts) if c))
    print(f"fit {seconds:.2f} s (including loading), mean test r {r_test.mean():.6f}")
    print(json.dumps(dict(fit_s=round(seconds, 3), mean_r=round(float(r_test.mean()), 6), peak_rss_MiB=round(peak), units=units)))


if __name__ == "__main__":
    main()
