#!/usr/bin/python3
"""Cross-check of ridge_reference.json against scikit-learn (Debian python3-sklearn 1.2.1, numpy 1.24.2).

The C# ridge tests compare RidgeCv with the numpy closed form written to ridge_reference.json. This script
recomputes every ridge case of that file with scikit-learn instead (StandardScaler for the z-scoring with
training statistics, sklearn.linear_model.Ridge per fold and alpha with the case's intercept setting), and
reports the largest differences from the stored numpy values; it exits non-zero when any exceeds 1e-6
(CV scores, test r, test R^2, weights) or a chosen alpha differs.

    /usr/bin/python3 tests/NeuroLab.Analysis.Tests/Reference/ridge_sklearn_check.py

Its output is kept in ridge_sklearn_check.txt. Scoring (Pearson r / R^2 per unit) and the tie rule are the
definitions shared with RidgeSolver.cs, imported from ridge_reference.py.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ridge_reference import choose, scores  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-6


def sklearn_ridge_cv(case):
    xtr, ytr = np.array(case["xtr"]), np.array(case["ytr"])
    xte, yte = np.array(case["xte"]), np.array(case["yte"])
    alphas, folds = np.array(case["alphas"]), np.array(case["fold_of_sample"])
    intercept, score = case["intercept"], case["score"]
    if case["standardize"]:
        scaler = StandardScaler().fit(xtr)
        xtr, xte = scaler.transform(xtr), scaler.transform(xte)
    cv = np.zeros((len(alphas), ytr.shape[1]))
    k = folds.max() + 1
    for f in range(k):
        tr, va = folds != f, folds == f
        for a, alpha in enumerate(alphas):
            model = Ridge(alpha=alpha, fit_intercept=intercept, solver="svd").fit(xtr[tr], ytr[tr])
            r, r2 = scores(ytr[va], model.predict(xtr[va]))
            cv[a] += r if score == "r" else r2
    cv /= k
    best, _ = choose(cv)
    weights = np.zeros((xtr.shape[1], ytr.shape[1]))
    pred = np.zeros(yte.shape)
    for a, alpha in enumerate(alphas):
        cols = best == a
        if cols.any():
            model = Ridge(alpha=alpha, fit_intercept=intercept, solver="svd").fit(xtr, ytr[:, cols])
            weights[:, cols] = model.coef_.T
            pred[:, cols] = model.predict(xte)
    r, r2 = scores(yte, pred)
    return cv, best, weights, r, r2


def main():
    with open(os.path.join(HERE, "ridge_reference.json")) as f:
        reference = json.load(f)
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; reference: {reference['note']}")
    print(f"{'case':<28} {'units':>5} {'max|dCV|':>10} {'max|dr|':>10} {'max|dR2|':>10} {'max|dW|':>10} {'alphas':>7}")
    failed = False
    for case in reference["ridge"]:
        cv, best, weights, r, r2 = sklearn_ridge_cv(case)
        d_cv = np.abs(cv - np.array(case["cv"])).max()
        d_r = np.abs(r - np.array(case["r"])).max()
        d_r2 = np.abs(r2 - np.array(case["r2"])).max()
        d_w = np.abs(weights - np.array(case["weights"])).max()
        same = bool((best == np.array(case["best"])).all())
        print(f"{case['name']:<28} {cv.shape[1]:>5} {d_cv:>10.2e} {d_r:>10.2e} {d_r2:>10.2e} {d_w:>10.2e} {'same' if same else 'DIFFER':>7}")
        failed |= not same or max(d_cv, d_r, d_r2, d_w) > TOL
    print("FAILED" if failed else f"all cases agree within {TOL:g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
