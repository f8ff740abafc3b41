"""Reference values for NeuroLab.Analysis.Networks (run by hand; CI reads networks_reference.json).

Libraries: numpy 1.24.2, networkx 2.8.8, scikit-learn 1.2.1 (sklearn.covariance.LedoitWolf; apt-get install -y python3-sklearn).
Cases: a synthetic 80 x 12 series with two blocks of correlated regions, and the real ABIDE CC200 Pitt_0050003 subject
(../shared/data/abide-cc200, 196 time points x 200 regions).
Communities: Newman's leading-eigenvector bisection written here in numpy (networkx 2.8.8 has none), its Q checked with
networkx.algorithms.community.modularity on the same partition.
"""
import json
import os
import numpy as np
import networkx as nx
from networkx.algorithms.community import modularity
from sklearn.covariance import LedoitWolf

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(REPO, "..", "shared", "data", "abide-cc200")
EPS = 1e-7
MASK = (1 << 64) - 1


class SplitMix64:
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
        return order


def fisher_z(r):
    z = np.arctanh(np.clip(r, -1 + EPS, 1 - EPS))
    np.fill_diagonal(z, 0)
    return z


def partial(series):
    lw = LedoitWolf().fit(series)
    precision = np.linalg.inv(lw.covariance_)
    d = np.sqrt(np.diag(precision))
    r = -precision / np.outer(d, d)
    np.fill_diagonal(r, 1)
    return r, lw


def threshold(z, density, weighted):
    p = z.shape[0]
    iu = np.triu_indices(p, 1)
    w = np.abs(z[iu])
    keep = int(np.floor(density * p * (p - 1) / 2 + 0.5))
    order = np.argsort(-w, kind="stable")[:keep]
    a = np.zeros_like(z)
    a[iu[0][order], iu[1][order]] = w[order] if weighted else 1
    return a + a.T


def leading_eigenvector(a):
    k = a.sum(1)
    two_m = k.sum()
    b = a - np.outer(k, k) / two_m
    # Isolated nodes are modules of their own (their eigenvector components are zero up to rounding).
    pending = [[i for i in range(a.shape[0]) if k[i] != 0]]
    done = [[i] for i in range(a.shape[0]) if k[i] == 0]
    while pending:
        g = pending.pop()
        if len(g) < 2:
            done.append(g)
            continue
        bg = b[np.ix_(g, g)].copy()
        bg[np.diag_indices(len(g))] -= bg.sum(1)
        vals, vecs = np.linalg.eigh(bg)
        if vals[-1] <= 1e-10:
            done.append(g)
            continue
        s = np.where(vecs[:, -1] >= 0, 1.0, -1.0)
        gain = s @ bg @ s / (2 * two_m)
        first = [g[i] for i in range(len(g)) if s[i] > 0]
        second = [g[i] for i in range(len(g)) if s[i] < 0]
        if gain <= 1e-10 or not first or not second:
            done.append(g)
        else:
            pending.append(second)
            pending.append(first)
    done.sort(key=min)
    labels = np.zeros(a.shape[0], dtype=int)
    for m, g in enumerate(done):
        labels[g] = m
    return labels, done


def measures(a, weighted):
    g = nx.from_numpy_array(a)
    w = "weight" if weighted else None
    labels, groups = leading_eigenvector(a)
    q = modularity(g, [set(x) for x in groups], weight="weight")
    tri = nx.triangles(g)
    clus = nx.clustering(g, weight=w)
    p = a.shape[0]
    return {
        "degree": [int(g.degree(i)) for i in range(p)],
        "strength": [float(g.degree(i, weight="weight")) for i in range(p)],
        "clustering": [float(clus[i]) for i in range(p)],
        "triangles": [int(tri[i]) for i in range(p)],
        "triangleCount": int(sum(tri.values()) // 3),
        "meanClustering": float(nx.average_clustering(g, weight=w)),
        "globalEfficiency": float(nx.global_efficiency(g)),
        "modules": labels.tolist(),
        "moduleCount": len(groups),
        "q": float(q),
        "density": float(nx.density(g)),
    }


def sliding(series, window, step):
    out = []
    for start in range(0, series.shape[0] - window + 1, step):
        out.append(fisher_z(np.corrcoef(series[start:start + window].T)))
    return out


def compare(a, b, permutations, seed):
    p = a[0].shape[0]
    iu = np.triu_indices(p, 1)
    x = np.array([m[iu] for m in a + b])
    na, n = len(a), len(a) + len(b)
    def diff(order):
        y = x[order]
        return y[:na].mean(0) - y[na:].mean(0)
    obs = diff(list(range(n)))
    rng = SplitMix64(seed)
    exceed = np.zeros(obs.shape)
    maxima = []
    for _ in range(permutations):
        d = np.abs(diff(rng.permutation(n)))
        exceed += d >= np.abs(obs) - 1e-12
        maxima.append(d.max())
    maxima = np.array(maxima)
    pv = (1 + exceed) / (1 + permutations)
    pmax = np.array([(1 + (maxima >= abs(o) - 1e-12).sum()) / (1 + permutations) for o in obs])
    return obs, pv, pmax


def synthetic():
    rng = np.random.default_rng(14)
    t, p = 80, 12
    shared = rng.standard_normal((t, 2))
    series = rng.standard_normal((t, p))
    series[:, :6] += 1.5 * shared[:, [0]]
    series[:, 6:] += 1.0 * shared[:, [1]]
    return series


def case(series, density):
    r = np.corrcoef(series.T)
    z = fisher_z(r)
    pr, lw = partial(series)
    result = {
        "series": series.tolist() if series.shape[1] <= 20 else None,
        "pearsonR": r.tolist() if series.shape[1] <= 20 else None,
        "fisherZ": z.tolist() if series.shape[1] <= 20 else None,
        "partialR": pr.tolist() if series.shape[1] <= 20 else None,
        "shrinkage": float(lw.shrinkage_),
        "pearsonRFirstRow": r[0].tolist(),
        "partialRFirstRow": pr[0].tolist(),
        "density": density,
        "weighted": measures(threshold(z, density, True), True),
        "binary": measures(threshold(z, density, False), False),
        "partialWeighted": measures(threshold(fisher_z(pr), density, True), True),
    }
    return result


def main():
    syn = synthetic()
    out = {"versions": {"numpy": np.__version__, "networkx": nx.__version__, "sklearn": __import__("sklearn").__version__}}
    out["synthetic"] = case(syn, 0.3)
    # Group comparison on the synthetic series: its first and second half as two "subjects", 10-point windows.
    a = sliding(syn[:40], 10, 10)
    b = sliding(syn[40:], 10, 10)
    obs, pv, pmax = compare(a, b, 200, 7)
    out["syntheticComparison"] = {"window": 10, "step": 10, "permutations": 200, "seed": 7,
                                  "difference": obs.tolist(), "p": pv.tolist(), "pMax": pmax.tolist()}
    pitt = np.loadtxt(os.path.join(DATA, "Pitt_0050003_rois_cc200.1D"), skiprows=1)
    out["pitt"] = case(pitt, 0.1)
    with open(os.path.join(HERE, "networks_reference.json"), "w") as f:
        json.dump(out, f)
    for key in ("synthetic", "pitt"):
        w = out[key]["weighted"]
        print(key, "shrinkage", out[key]["shrinkage"], "Q", w["q"], "modules", w["moduleCount"], "triangles", w["triangleCount"],
              "meanClustering", w["meanClustering"], "efficiency", w["globalEfficiency"])


if __name__ == "__main__":
    main()
