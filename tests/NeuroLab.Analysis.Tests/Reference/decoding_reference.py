"""Reference values for NeuroLab.Analysis.Decoding (CrossValidatedDecoding, LinearSvm, PcaLda).

Run by hand (CI reads the JSON): /usr/bin/python3 decoding_reference.py [haxby_vt_trials.npy]
Versions: Python 3.11, numpy 1.24.2, scikit-learn 1.2.1 (Debian python3-sklearn).

Cases: a small synthetic problem (generated here, stored in the JSON) and, when the .npy is given, the Haxby 2001
subject-1 VT betas of NeuroLab's haxby2001-sub1 sample ([runs, conditions, voxels] float32, written by the Compute
test DecodingHaxbyTests when NEUROLAB_DECODING_EXPORT names a file). For each case and classifier, leave-one-group-out
predictions of every sample:
  - linear SVM: Pipeline(StandardScaler, LinearSVC(C, tol=1e-10, max_iter=10**6)) at fixed C, and GridSearchCV over
    the C grid with inner LeaveOneGroupOut (nested; ties to the smallest C); the chosen C per fold.
  - correlation nearest neighbour (numpy): z-score on the training fold, Pearson r with each class's training mean.
  - PCA-LDA: Pipeline(StandardScaler, PCA(k), LinearDiscriminantAnalysis(solver="lsqr")), k = min(p, n_train - classes, 50).
  - a permutation null for correlation-NN: labels shuffled within groups by the same SplitMix64 Fisher-Yates as C#.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

C_GRID = [0.001, 0.01, 0.1, 1, 10]
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


def permuted_labels(labels, groups, count, seed):
    rng = SplitMix64(seed)
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    result = []
    for _ in range(count):
        permuted = np.empty_like(labels)
        for rows in members:
            order = rng.permutation(len(rows))
            permuted[rows] = labels[rows[order]]
        result.append(permuted)
    return result


def zscore(train, test):
    scaler = StandardScaler().fit(train)
    return scaler.transform(train), scaler.transform(test)


def correlation_nn(train, y_train, test, classes):
    train, test = zscore(train, test)
    means = np.stack([train[y_train == c].mean(axis=0) for c in range(classes)])
    r = np.corrcoef(np.vstack([test, means]))[: len(test), len(test):]
    return r.argmax(axis=1)


def pca_lda(train, y_train, test, classes):
    k = min(train.shape[1], len(train) - classes, 50)
    model = make_pipeline(StandardScaler(), PCA(n_components=k, svd_solver="full"), LinearDiscriminantAnalysis(solver="lsqr"))
    return model.fit(train, y_train).predict(test)


def svm(c):
    return make_pipeline(StandardScaler(), LinearSVC(C=c, tol=1e-10, max_iter=10**6))


def loro(x, y, groups, predict):
    predicted = np.empty_like(y)
    for train, test in LeaveOneGroupOut().split(x, y, groups):
        predicted[test] = predict(x[train], y[train], x[test], groups[train])
    return predicted


def case(name, x, y, groups, class_names, permutations=0):
    classes = len(class_names)
    out = {"name": name, "samples": len(y), "features": x.shape[1], "x": x.ravel().tolist(), "labels": y.tolist(),
           "groups": groups.tolist(), "classes": class_names}
    out["correlationNn"] = loro(x, y, groups, lambda a, b, t, g: correlation_nn(a, b, t, classes)).tolist()
    out["pcaLda"] = loro(x, y, groups, lambda a, b, t, g: pca_lda(a, b, t, classes)).tolist()
    out["svmFixed"] = {}
    for c in [0.01, 1.0]:
        out["svmFixed"][str(c)] = loro(x, y, groups, lambda a, b, t, g, c=c: svm(c).fit(a, b).predict(t)).tolist()
    chosen = []

    def nested(a, b, t, g):
        search = GridSearchCV(svm(1.0), {"linearsvc__C": C_GRID}, cv=LeaveOneGroupOut(), scoring="accuracy")
        search.fit(a, b, groups=g)
        # Ties in mean inner accuracy (exact ties of fractions, which GridSearchCV breaks by float rounding) go to
        # the smallest C, as in C#.
        scores = search.cv_results_["mean_test_score"]
        c = C_GRID[int(np.flatnonzero(scores >= scores.max() - 1e-9)[0])]
        chosen.append(c)
        return svm(c).fit(a, b).predict(t)

    out["svmNested"] = loro(x, y, groups, nested).tolist()
    out["svmNestedC"] = chosen
    if permutations:
        nulls = []
        for labels in permuted_labels(y, groups, permutations, 7):
            predicted = loro(x, labels, groups, lambda a, b, t, g: correlation_nn(a, b, t, classes))
            nulls.append(float((predicted == labels).mean()))
        out["correlationNnNull"] = {"seed": 7, "accuracies": nulls}
    for key in ["correlationNn", "pcaLda", "svmNested"]:
        print(name, key, np.mean(np.array(out[key]) == y))
    return out


def main():
    rng = np.random.default_rng(14)
    groups = np.repeat(np.arange(5), 12)
    y = np.tile(np.repeat(np.arange(3), 4), 5)
    centres = rng.normal(size=(3, 20)) * 0.6
    x = centres[y] + rng.normal(size=(60, 20)) + rng.normal(size=(5, 20))[groups] * 0.5
    cases = [case("synthetic", x, y, groups, ["a", "b", "c"], permutations=20)]
    if len(sys.argv) > 1:
        trials = np.load(sys.argv[1]).astype(np.float64)
        runs, conditions, voxels = trials.shape
        names = json.load(open(sys.argv[1].replace(".npy", ".json")))
        x = trials.reshape(runs * conditions, voxels)
        y = np.tile(np.arange(conditions), runs)
        g = np.repeat(np.arange(runs), conditions)
        cases.append(case("haxby-vt", x, y, g, names))
        keep = np.isin(y, [names.index("face"), names.index("house")])
        y2 = (y[keep] == names.index("house")).astype(int)
        cases.append(case("haxby-vt-face-house", x[keep], y2, g[keep], ["face", "house"]))
    doc = {"versions": {"numpy": np.__version__, "sklearn": sklearn.__version__}, "cGrid": C_GRID, "cases": cases}
    with open("decoding_reference.json", "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()
