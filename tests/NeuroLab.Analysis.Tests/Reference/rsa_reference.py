#!/usr/bin/python3
"""Reference values for the RSA library tests (src/NeuroLab.Analysis/Rsa).

Run with Debian's Python (numpy 1.24.2, scipy 1.10.1):

    /usr/bin/python3 tests/NeuroLab.Analysis.Tests/Reference/rsa_reference.py

It writes rsa_reference.json next to this script. Everything here is an implementation independent of the C#
code: scipy's pdist/spearmanr/pearsonr/rankdata/shortest_path, numpy eigh/solve, and brute force where a fast
algorithm is used in C#:
- Kendall tau-a by brute force over all pairs (sum of sign products / (m(m-1)/2)); scipy's kendalltau only offers
  tau-b and tau-c, which differ from tau-a when there are ties (category model RDMs are nearly all ties).
- whitened Pearson (rsatoolbox 'corr_cov', Diedrichsen et al. 2021) with the dense RDM-entry covariance
  V = (C C')∘(C C') (C the pairwise-contrast matrix, iid condition noise) and np.linalg.solve.
- crossnobis with an explicit loop over run pairs and a Ledoit-Wolf shrinkage-to-identity precision.
- CKA with Kornblith et al. (2019)'s own formulas (their colab's gram_linear/gram_rbf/cka).
- classical MDS via numpy eigh of the double-centred squared distances.
Real data: k92 human-IT RDMs (4 subjects, the 2 sessions averaged per subject) and the 8 models of 92_modelRDMs.mat.
"""
import json
import os

import numpy as np
import scipy
import scipy.io as sio
from scipy.sparse.csgraph import csgraph_from_dense, shortest_path
from scipy.spatial.distance import pdist, squareform
from scipy.stats import pearsonr, rankdata, spearmanr

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"

rng = np.random.default_rng(14)


def taua(x, y):
    """Kendall tau-a by brute force over all pairs of entries (NaNs dropped pairwise first)."""
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    i, j = np.triu_indices(len(x), 1)
    return float(np.sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])) / (len(x) * (len(x) - 1) / 2))


def rdm_cov(n):
    """V = (C C')∘(C C'), the covariance of RDM entries under iid condition noise (rsatoolbox _get_v, sigma_k=I)."""
    i, j = np.triu_indices(n, 1)
    c = np.zeros((len(i), n))
    c[np.arange(len(i)), i] = 1
    c[np.arange(len(i)), j] = -1
    xi = c @ c.T
    return xi * xi


def whitened_pearson(a, b):
    n = int(round((1 + np.sqrt(1 + 8 * len(a))) / 2))
    keep = ~(np.isnan(a) | np.isnan(b))
    v = rdm_cov(n)[np.ix_(keep, keep)]
    a = a[keep] - a[keep].mean()
    b = b[keep] - b[keep].mean()
    va, vb = np.linalg.solve(v, a), np.linalg.solve(v, b)
    return float(a @ vb / np.sqrt((a @ va) * (b @ vb)))


def compare(a, b, method):
    keep = ~(np.isnan(a) | np.isnan(b))
    if method == "Spearman":
        return float(spearmanr(a[keep], b[keep]).correlation)
    if method == "KendallTauA":
        return taua(a, b)
    if method == "Pearson":
        return float(pearsonr(a[keep], b[keep])[0])
    if method == "Cosine":
        return float(a[keep] @ b[keep] / np.linalg.norm(a[keep]) / np.linalg.norm(b[keep]))
    if method == "WhitenedPearson":
        return whitened_pearson(a, b)
    raise ValueError(method)


METHODS = ["Spearman", "KendallTauA", "Pearson", "Cosine", "WhitenedPearson"]


def noise_ceiling(subjects, method):
    subjects = np.asarray(subjects)
    mean = subjects.mean(0)
    upper = np.mean([compare(s, mean, method) for s in subjects])
    lower = np.mean([compare(s, np.delete(subjects, k, 0).mean(0), method) for k, s in enumerate(subjects)])
    return [float(lower), float(upper)]


def shrinkage_eye_covariance(res, dof):
    """Ledoit-Wolf shrinkage towards m*I (rsatoolbox noise._covariance_eye)."""
    res = res - res.mean(0, keepdims=True)
    s = res.T @ res / dof
    p = s.shape[0]
    m = np.trace(s) / p
    d2 = np.sum((s - m * np.eye(p)) ** 2)
    b2 = sum(np.sum((np.outer(x, x) - s) ** 2) for x in res) / res.shape[0] ** 2
    b2 = min(d2, b2)
    return b2 / d2 * m * np.eye(p) + (d2 - b2) / d2 * s


def crossnobis(patterns, cond, run, ncond, noise_normalise):
    p = patterns.shape[1]
    runs = sorted(set(run))
    means = {}
    for r in runs:
        for c in range(ncond):
            rows = [k for k in range(len(cond)) if cond[k] == c and run[k] == r]
            if rows:
                means[(r, c)] = patterns[rows].mean(0)
    if noise_normalise:
        cond_mean = np.array([patterns[[k for k in range(len(cond)) if cond[k] == c]].mean(0) for c in range(ncond)])
        res = patterns - cond_mean[cond]
        prec = np.linalg.inv(shrinkage_eye_covariance(res, len(cond) - ncond))
    else:
        prec = np.eye(p)
    out = []
    for a in range(ncond):
        for b in range(a + 1, ncond):
            vals = []
            for i, r in enumerate(runs):
                for s in runs[i + 1:]:
                    if all(k in means for k in [(r, a), (r, b), (s, a), (s, b)]):
                        da = means[(r, a)] - means[(r, b)]
                        db = means[(s, a)] - means[(s, b)]
                        vals.append(da @ prec @ db / p)
            out.append(float(np.mean(vals)) if vals else float("nan"))
    return out


def topological(rdm, lower, upper, geodesic):
    r = rankdata(rdm) / len(rdm)
    t = np.clip((r - lower) / (upper - lower), 0, 1)
    t[r <= lower] = 0
    t[r >= upper] = 1
    if not geodesic:
        return t.tolist()
    sq = squareform(t)
    sq[sq >= 1] = np.inf
    np.fill_diagonal(sq, np.inf)
    g = csgraph_from_dense(sq, null_value=np.inf)
    d = shortest_path(g, directed=False)
    d = squareform(d, checks=False)
    finite = np.isfinite(d)
    mx = d[finite].max() if finite.any() else 0
    d = np.where(finite, d / mx if mx > 0 else d, 1.0)
    return d.tolist()


def center_gram(g):
    n = g.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    return h @ g @ h


def cka(gx, gy):
    gx, gy = center_gram(gx), center_gram(gy)
    return float(np.sum(gx * gy) / (np.linalg.norm(gx) * np.linalg.norm(gy)))


def gram_rbf(x, threshold):
    dot = x @ x.T
    sq = np.diag(dot)
    d2 = -2 * dot + sq[:, None] + sq[None, :]
    return np.exp(-d2 / (2 * threshold ** 2 * np.median(d2)))


def mds(rdm, k):
    d = squareform(rdm)
    n = d.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    b = -0.5 * h @ (d ** 2) @ h
    w, v = np.linalg.eigh(b)
    order = np.argsort(w)[::-1][:k]
    x = v[:, order] * np.sqrt(np.maximum(w[order], 0))
    for c in range(k):  # sign convention: the largest-magnitude coordinate of each axis is positive
        if x[np.argmax(np.abs(x[:, c])), c] < 0:
            x[:, c] = -x[:, c]
    return x.ravel().tolist()


out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__}}

# Small random patterns: distances.
n, p = 7, 5
pat = rng.standard_normal((n, p)).astype(np.float32)
out["patterns"] = {"n": n, "p": p, "values": pat.astype(np.float64).ravel().tolist(),
                   "correlation": pdist(pat.astype(np.float64), "correlation").tolist(),
                   "euclidean": pdist(pat.astype(np.float64), "euclidean").tolist()}

# Comparisons: random continuous RDMs, a tied category model, and a case with NaNs.
n = 9
data = rng.random(n * (n - 1) // 2)
cat = np.repeat([0, 1, 2], 3)
model_tied = squareform((cat[:, None] != cat[None, :]).astype(float), checks=False)
model_cont = data + 0.5 * rng.random(len(data))
model_nan = rng.random(len(data))
model_nan[[2, 11, 30]] = np.nan
models = [model_tied, model_cont, model_nan]
out["compare"] = {"data": data.tolist(), "models": [[None if np.isnan(v) else v for v in m] for m in models],
                  "values": {meth: [compare(m, data, meth) for m in models] for meth in METHODS}}

# Noise ceiling on 5 noisy subjects of one true RDM.
true = rng.random(n * (n - 1) // 2)
subjects = [true + 0.4 * rng.standard_normal(len(true)) for _ in range(5)]
out["ceiling"] = {"subjects": [s.tolist() for s in subjects],
                  "values": {meth: noise_ceiling(subjects, meth) for meth in METHODS}}

# Crossnobis: 4 conditions x 3 runs (one run lacks condition 3), p = 6.
ncond, p = 4, 6
cond, run = [], []
for r in range(3):
    for c in range(ncond):
        if not (r == 2 and c == 3):
            cond.append(c)
            run.append(r)
signal = rng.standard_normal((ncond, p))
xpat = (signal[cond] + 0.7 * rng.standard_normal((len(cond), p))).astype(np.float32).astype(np.float64)
out["crossnobis"] = {"p": p, "conditions": ncond, "condition": cond, "run": run, "values": xpat.ravel().tolist(),
                     "whitened": crossnobis(xpat, np.array(cond), run, ncond, True),
                     "plain": crossnobis(xpat, np.array(cond), run, ncond, False)}

# Topological RSA on a random RDM (n = 8) with ties.
trdm = np.round(rng.random(28), 1)
out["topological"] = {"rdm": trdm.tolist(), "lower": 0.2, "upper": 0.7,
                      "transform": topological(trdm, 0.2, 0.7, False),
                      "geodesic": topological(trdm, 0.2, 0.7, True)}

# CKA.
x = rng.standard_normal((10, 4)).astype(np.float32).astype(np.float64)
y = (x @ rng.standard_normal((4, 3)) + 0.5 * rng.standard_normal((10, 3))).astype(np.float32).astype(np.float64)
out["cka"] = {"n": 10, "p": 4, "q": 3, "x": x.ravel().tolist(), "y": y.ravel().tolist(),
              "linear": cka(x @ x.T, y @ y.T), "rbf": cka(gram_rbf(x, 0.8), gram_rbf(y, 0.8)),
              "rbf_half": cka(gram_rbf(x, 0.5), gram_rbf(y, 0.5))}

# Classical MDS of the Euclidean RDM of 6 points in 3-D.
mpts = rng.standard_normal((6, 3))
mrdm = pdist(mpts)
out["mds"] = {"rdm": mrdm.tolist(), "embedding2": mds(mrdm, 2)}

# Real data: k92.
brain = sio.loadmat(os.path.join(DATA, "k92", "92_brainRDMs.mat"))["RDMs"]
subj = [squareform((brain[0, j, 0]["RDM"].astype(np.float64) + brain[0, j, 1]["RDM"].astype(np.float64)) / 2,
                   checks=False) for j in range(4)]
mstruct = sio.loadmat(os.path.join(DATA, "k92", "92_modelRDMs.mat"))["Models"]
names = [str(mstruct[0, i]["name"][0]) for i in range(mstruct.shape[1])]
kmodels = [squareform(mstruct[0, i]["RDM"].astype(np.float64), checks=False) for i in range(mstruct.shape[1])]
smean = np.mean(subj, 0)
out["k92"] = {"names": names,
              "taua": [taua(m, smean) for m in kmodels],
              "spearman": [compare(m, smean, "Spearman") for m in kmodels],
              "ceiling_taua": noise_ceiling(subj, "KendallTauA"),
              "ceiling_spearman": noise_ceiling(subj, "Spearman")}

with open(os.path.join(HERE, "rsa_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out["k92"], indent=1))
