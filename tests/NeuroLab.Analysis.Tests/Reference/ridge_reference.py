#!/usr/bin/python3
"""Reference values for the encoding-model tests (RidgeCv, BandedRidge, NoiseCeiling, PermutationTest, FDR).

Run with Debian's Python (numpy 1.24.2; everything is written out with
numpy closed forms):

    /usr/bin/python3 tests/NeuroLab.Analysis.Tests/Reference/ridge_reference.py

It writes ridge_reference.json next to this script. Ridge fits here are the explicit closed form
w = (Xc' Xc + alpha I)^-1 Xc' (y - mean y) solved per fold and alpha (np.linalg.solve, float64), scored per unit
with explicit predictions: an implementation independent of the eigen/partial-fraction route in RidgeSolver.cs.
ridge_sklearn_check.py recomputes the ridge cases with scikit-learn 1.2.1 (Debian python3-sklearn) and finds
them equal to within 1e-12 (ridge_sklearn_check.txt).
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"
MASK = (1 << 64) - 1


class SplitMix64:
    """Same generator as src/NeuroLab.Analysis/Encoding/SplitMix64.cs."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def permutation(self, n):
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.next() % (i + 1)
            order[i], order[j] = order[j], order[i]
        return np.array(order)


def contiguous_blocks(order, k):
    n = len(order)
    folds = np.zeros(n, dtype=int)
    start = 0
    for f in range(k):
        size = n // k + (1 if f < n % k else 0)
        folds[order[start:start + size]] = f
        start += size
    return folds


def zscore_fit(x):
    mean = x.mean(0)
    sd = x.std(0)  # population sd, as Standardizer.cs
    sd = np.where(sd <= 0, 1.0, sd)
    return lambda z: (z - mean) / sd


def scores(y, p):
    """Pearson r and R^2 per column; undefined (constant column) -> 0."""
    yc = y - y.mean(0)
    pc = p - p.mean(0)
    ssy = (yc ** 2).sum(0)
    ssp = (pc ** 2).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (yc * pc).sum(0) / np.sqrt(ssy * ssp)
        r2 = 1 - ((y - p) ** 2).sum(0) / ssy
    r = np.where((ssy <= 0) | (ssp <= 1e-12 * (p ** 2).sum(0)), 0.0, np.clip(r, -1, 1))
    r2 = np.where(ssy <= 0, 0.0, r2)
    return r, r2


TIE = 1e-6  # RidgeSolver.TieTolerance: scores this close to the best count as tied; the earliest wins


def choose(cv):
    """First alpha whose CV score is within TIE of the best, and how far the nearest score is from that cut-off."""
    top = cv.max(0)
    best = (cv >= top - TIE).argmax(0)
    distance = np.abs(cv - (top - TIE))
    distance[cv == top] = np.inf
    fragility = distance.min(0)
    return best, fragility


def ridge_closed(x, y, alpha, intercept):
    """Explicit closed form for every column of y: w = (Xc'Xc + alpha I)^-1 Xc'(y - my), b = my - mx w."""
    if intercept:
        mx, my = x.mean(0), y.mean(0)
    else:
        mx, my = np.zeros(x.shape[1]), np.zeros(y.shape[1])
    xc = x - mx
    w = np.linalg.solve(xc.T @ xc + alpha * np.eye(x.shape[1]), xc.T @ (y - my))
    return w, my - mx @ w


def ridge_cv(xtr, ytr, xte, yte, alphas, folds, intercept=True, standardize=True, score="r", scale=None):
    if standardize:
        t = zscore_fit(xtr)
        xtr, xte = t(xtr), t(xte)
    if scale is not None:
        xs = xtr * scale
    else:
        xs = xtr
    k = folds.max() + 1
    cv = np.zeros((len(alphas), ytr.shape[1]))
    for f in range(k):
        tr, va = folds != f, folds == f
        for a, alpha in enumerate(alphas):
            w, b = ridge_closed(xs[tr], ytr[tr], alpha, intercept)
            r, r2 = scores(ytr[va], xs[va] @ w + b)
            cv[a] += r if score == "r" else r2
    cv /= k
    best, fragility = choose(cv)
    weights = np.zeros((xtr.shape[1], ytr.shape[1]))
    intercepts = np.zeros(ytr.shape[1])
    for a, alpha in enumerate(alphas):
        cols = best == a
        if cols.any():
            w, b = ridge_closed(xs, ytr[:, cols], alpha, intercept)
            weights[:, cols] = w if scale is None else w * scale[:, None]
            intercepts[cols] = b
    pred = xte @ weights + intercepts
    r, r2 = scores(yte, pred)
    return dict(cv=cv, best=best, weights=weights, intercepts=intercepts, pred=pred, r=r, r2=r2, fragility=fragility)


def num(v):
    return 1e300 if v == np.inf else float(v)  # JSON has no infinity; "never fragile"


def mat(a):
    return [[num(v) for v in row] for row in np.atleast_2d(a)]


def vec(a):
    return [num(v) for v in np.ravel(a)]


def ridge_case(name, xtr, ytr, xte, yte, alphas, folds_spec, folds, **kw):
    res = ridge_cv(xtr, ytr, xte, yte, alphas, folds, **kw)
    return dict(
        name=name, xtr=mat(xtr), ytr=mat(ytr), xte=mat(xte), yte=mat(yte), alphas=vec(alphas), folds=folds_spec,
        fold_of_sample=[int(v) for v in folds], intercept=kw.get("intercept", True), standardize=kw.get("standardize", True),
        score=kw.get("score", "r"), cv=mat(res["cv"]), best=[int(v) for v in res["best"]], fragility=vec(res["fragility"]),
        weights=mat(res["weights"]), intercepts=vec(res["intercepts"]), pred=mat(res["pred"]), r=vec(res["r"]), r2=vec(res["r2"]))


def synthetic(rng, n, p, units, n_test, offset=5.0):
    x = rng.standard_normal((n + n_test, p)) @ (np.eye(p) + 0.3 * rng.standard_normal((p, p)))
    w = rng.standard_normal((p, units))
    noise = rng.standard_normal((n + n_test, units)) * np.linspace(0.3, 6.0, units)
    y = x @ w + noise + offset
    return x[:n], y[:n], x[n:], y[n:]


def ridge_cases():
    rng = np.random.default_rng(20240601)
    cases = []
    alphas = np.array([0.01, 0.1, 1.0, 10.0, 100.0, 1000.0])

    xtr, ytr, xte, yte = synthetic(rng, 60, 8, 6, 20)
    ytr[:, 5] = 3.25  # a constant unit: every score undefined -> 0, weights 0, intercept 3.25
    yte[:, 5] = 3.25
    folds = contiguous_blocks(np.arange(60), 5)
    cases.append(ridge_case("small", xtr, ytr, xte, yte, alphas, "contiguous5", folds))
    small = (xtr, ytr, xte, yte, folds)

    xtr, ytr, xte, yte = synthetic(rng, 60, 8, 6, 20, offset=0.0)
    folds = contiguous_blocks(SplitMix64(7).permutation(60), 5)
    cases.append(ridge_case("shuffled_r2_no_intercept", xtr, ytr, xte, yte, alphas, "shuffled5_seed7", folds,
                            intercept=False, standardize=False, score="r2"))

    xtr, ytr, xte, yte = synthetic(rng, 40, 30, 5, 12)
    folds = contiguous_blocks(np.arange(40), 5)
    cases.append(ridge_case("wide", xtr, ytr, xte, yte, alphas, "contiguous5", folds))

    xtr, ytr, xte, yte = synthetic(rng, 50, 6, 4, 15)
    xtr[:, 4] = xtr[:, 1]
    xte[:, 4] = xte[:, 1]
    folds = contiguous_blocks(np.arange(50), 5)
    cases.append(ridge_case("duplicate_column", xtr, ytr, xte, yte, alphas, "contiguous5", folds))

    # Balanced one-hot features: every fold holds each category twice, so each fold's Gram matrix has one
    # eigenvalue of multiplicity 4 (no intercept) or 3 (centred): exact degeneracy.
    cat = np.arange(48) % 4
    x = np.eye(4)[cat]
    y = x @ rng.standard_normal((4, 5)) + rng.standard_normal((48, 5))
    folds = contiguous_blocks(np.arange(40), 5)
    cases.append(ridge_case("dummies_no_intercept", x[:40], y[:40], x[40:], y[40:], alphas, "contiguous5", folds,
                            intercept=False, standardize=False))
    cases.append(ridge_case("dummies_centred", x[:40], y[:40], x[40:], y[40:], alphas, "contiguous5", folds))

    xtr, ytr, xte, yte, folds = small
    cases.append(ridge_case("small_r2", xtr, ytr, xte, yte, alphas, "contiguous5", folds, score="r2"))
    return cases


def allen_case():
    d = os.path.join(DATA, "allen-v1")
    xtr = np.load(os.path.join(d, "Allen_train_input.npy"))
    ytr = np.load(os.path.join(d, "Allen_train_output.npy"))
    xte = np.load(os.path.join(d, "Allen_test_input.npy"))
    yte = np.load(os.path.join(d, "Allen_test_output.npy"))
    alphas = np.logspace(1, 7, 13)
    folds = contiguous_blocks(np.arange(xtr.shape[0]), 5)
    res = ridge_cv(xtr, ytr, xte, yte, alphas, folds)
    return dict(alphas=vec(alphas), best=[int(v) for v in res["best"]], fragility=vec(res["fragility"]),
                r=vec(res["r"]), r2=vec(res["r2"]), mean_r=float(res["r"].mean()), cv_mean=vec(res["cv"].mean(1)),
                intercepts_first=vec(res["intercepts"][:5]), weights_first=mat(res["weights"][:3, :5]))


def split_r2(y, band_preds):
    """himalaya's r2_score_split (include_correlation=True) on test-centred responses and band predictions."""
    yc = y - y.mean(0)
    pcs = [p - p.mean(0) for p in band_preds]
    total = sum(pcs)
    sst = (yc ** 2).sum(0)
    return [((2 * yc * p - p * total) / sst).sum(0) for p in pcs]


def banded_case():
    rng = np.random.default_rng(77)
    n, n_test, units = 60, 20, 5
    x1 = rng.standard_normal((n + n_test, 5))
    x2 = rng.standard_normal((n + n_test, 3))
    y = (x1 @ rng.standard_normal((5, units)) * np.array([1.0, 0.2, 1.0, 0.0, 0.5])
         + x2 @ rng.standard_normal((3, units)) * np.array([0.1, 1.0, 1.0, 0.0, 0.5])
         + rng.standard_normal((n + n_test, units)) + 2.0)
    candidates = np.array([[0.5, 0.5], [0.8, 0.2], [0.2, 0.8], [1.0, 0.0], [0.0, 1.0]])
    alphas = np.array([0.1, 1.0, 10.0, 100.0, 1000.0])
    folds = contiguous_blocks(np.arange(n), 5)
    x = np.hstack([x1, x2])
    xtr, xte, ytr, yte = x[:n], x[n:], y[:n], y[n:]
    best_score = np.full(units, -np.inf)
    fragility = np.full(units, np.inf)
    chosen = dict(cand=np.zeros(units, int), alpha=np.zeros(units, int),
                  weights=np.zeros((8, units)), intercepts=np.zeros(units))
    cv_all = []
    for c, g in enumerate(candidates):
        scale = np.sqrt(np.concatenate([np.full(5, g[0]), np.full(3, g[1])]))
        res = ridge_cv(xtr, ytr, xte, yte, alphas, folds, scale=scale)
        cv_all.append(res["cv"])
        best = res["cv"].max(0)
        better = best > best_score + TIE
        fragility = np.minimum(fragility, np.minimum(res["fragility"], np.abs(best - (best_score + TIE))))
        best_score[better] = best[better]
        chosen["cand"][better] = c
        chosen["alpha"][better] = res["best"][better]
        chosen["weights"][:, better] = res["weights"][:, better]
        chosen["intercepts"][better] = res["intercepts"][better]
    t = zscore_fit(xtr)
    zte = t(xte)
    pred = zte @ chosen["weights"] + chosen["intercepts"]
    r, r2 = scores(yte, pred)
    bands = [zte[:, :5] @ chosen["weights"][:5], zte[:, 5:] @ chosen["weights"][5:]]
    split = split_r2(yte, bands)
    return dict(x1=mat(x1), x2=mat(x2), y=mat(y), n_train=n, candidates=mat(candidates), alphas=vec(alphas),
                cv=[mat(c) for c in cv_all], best_candidate=[int(v) for v in chosen["cand"]],
                best_alpha=[int(v) for v in chosen["alpha"]], fragility=vec(fragility), weights=mat(chosen["weights"]),
                intercepts=vec(chosen["intercepts"]), r=vec(r), r2=vec(r2), split=[vec(s) for s in split])


def noise_ceiling_case():
    rng = np.random.default_rng(5)
    repeats, stimuli, units = 4, 25, 6
    signal = rng.standard_normal((stimuli, units)) * np.array([1.0, 0.5, 0.2, 2.0, 0.0, 1.0])
    trials = signal[None] + rng.standard_normal((repeats, stimuli, units)) * np.array([1.0, 1.0, 1.0, 0.5, 1.0, 3.0])
    var_noise = trials.var(0, ddof=1).mean(0)
    var_total = trials.reshape(repeats * stimuli, units).var(0, ddof=1)
    ncsnr = np.sqrt(np.maximum(var_total - var_noise, 0)) / np.sqrt(var_noise)
    out = dict(trials=[mat(t) for t in trials], var_noise=vec(var_noise), var_total=vec(var_total), ncsnr=vec(ncsnr))
    for n in (1, 4):
        out[f"nc_{n}"] = vec(100 * ncsnr ** 2 / (ncsnr ** 2 + 1.0 / n))
    return out


def permutation_case():
    rng = np.random.default_rng(9)
    n, units, perms, seed = 30, 8, 200, 11
    resp = rng.standard_normal((n, units))
    pred = resp * np.linspace(0, 1.2, units) + rng.standard_normal((n, units))
    pred[:, 0] = -resp[:, 0] + 0.5 * rng.standard_normal(n)  # strongly negative: small two-sided p, large one-sided p

    def z(a):
        c = a - a.mean(0)
        return c / np.sqrt((c ** 2).sum(0))

    zp, zy = z(pred), z(resp)
    observed = (zp * zy).sum(0)
    gen = SplitMix64(seed)
    greater = np.zeros(units)
    two_sided = np.zeros(units)
    for _ in range(perms):
        perm = gen.permutation(n)
        r = (zp[perm] * zy).sum(0)
        greater += r >= observed - 1e-12
        two_sided += np.abs(r) >= np.abs(observed) - 1e-12
    return dict(pred=mat(pred), resp=mat(resp), permutations=perms, seed=seed, observed=vec(observed),
                p_greater=vec((1 + greater) / (1 + perms)), p_two_sided=vec((1 + two_sided) / (1 + perms)))


def bh(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def fdr_case():
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(0, 0.01, 8), rng.uniform(0, 1, 30), [0.02, 0.02, 0.5, 1.0]])
    rng.shuffle(p)
    q = bh(p)
    return dict(p=vec(p), q=vec(q), significant_010=[bool(v) for v in q <= 0.10])


def main():
    out = dict(
        note="numpy " + np.__version__ + "; written by ridge_reference.py",
        ridge=ridge_cases(),
        allen=allen_case(),
        banded=banded_case(),
        noise_ceiling=noise_ceiling_case(),
        permutation=permutation_case(),
        fdr=fdr_case(),
    )
    with open(os.path.join(HERE, "ridge_reference.json"), "w") as f:
        json.dump(out, f, allow_nan=False)


if __name__ == "__main__":
    main()
