"""Reference values for NeuroLab.Analysis.Captions (tests/NeuroLab.Analysis.Tests/Captions/CaptionTests.cs).

Run with Debian's Python stack:  /usr/bin/python3 captions_reference.py > captions_reference.json
  scikit-learn 1.2.1 (TfidfVectorizer, cohen_kappa_score), scipy 1.10.1 (spearmanr), numpy 1.24.2 (log-odds, PCA,
  Fleiss' kappa of the Wikipedia worked example, published there as 0.210).
Tokens are given pre-tokenized (the C# tokenizer's output, written out below) so the reference checks the
statistics, not the tokenizer.
"""
import json
import numpy as np
import scipy
import sklearn
from scipy.stats import spearmanr
from sklearn.feature_extraction.text import TfidfVectorizer

docs = [
    ["face", "smiling", "woman", "outdoors"],
    ["house", "garden", "roof"],
    ["face", "man", "beard", "face"],
    ["chair", "wooden", "room"],
    ["house", "street", "car"],
    ["face", "child", "smiling"],
    ["bottle", "table", "glass"],
    ["cat", "sofa", "room"],
]
top = [0, 2, 5]

# Monroe, Colaresi & Quinn (2008) log-odds with an informative Dirichlet prior, a0 = corpus size.
vocab = sorted({w for d in docs for w in d})
all_counts = {w: sum(d.count(w) for d in docs) for w in vocab}
top_counts = {w: sum(docs[i].count(w) for i in top) for w in vocab}
corpus = sum(all_counts.values())
n = sum(top_counts.values())
m = corpus - n
a0 = float(corpus)
logodds = {}
for w in vocab:
    y = top_counts[w]
    if y == 0:
        continue
    r = all_counts[w] - y
    alpha = a0 * all_counts[w] / corpus
    delta = np.log((y + alpha) / (n + a0 - y - alpha)) - np.log((r + alpha) / (m + a0 - r - alpha))
    var = 1.0 / (y + alpha) + 1.0 / (r + alpha)
    logodds[w] = {"delta": float(delta), "variance": float(var), "z": float(delta / np.sqrt(var))}

vectorizer = TfidfVectorizer(analyzer=lambda d: d)
tfidf = vectorizer.fit_transform(docs).toarray()

x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
y = [2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0]
rho = spearmanr(x, y).correlation

centred = tfidf - tfidf.mean(axis=0)
s = np.linalg.svd(centred, compute_uv=False)
explained = np.cumsum(s ** 2) / np.sum(s ** 2)
dims90 = int(np.searchsorted(explained, 0.9 - 1e-12) + 1)

from sklearn.metrics import cohen_kappa_score
rater_a = [0, 0, 1, 2, 0, 1, 1, 2, 0, 0, 2, 1]
rater_b = [0, 1, 1, 2, 0, 1, 2, 2, 0, 0, 1, 1]
cohen = float(cohen_kappa_score(rater_a, rater_b))
# Fleiss (1971) as worked on Wikipedia ("Fleiss' kappa", worked example): 10 items, 14 raters, 5 categories.
fleiss_counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                 [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
c = np.array(fleiss_counts, dtype=float)
n = c.sum(axis=1)
p_i = ((c ** 2).sum(axis=1) - n) / (n * (n - 1))
p_j = c.sum(axis=0) / c.sum()
fleiss = float((p_i.mean() - (p_j ** 2).sum()) / (1 - (p_j ** 2).sum()))

print(json.dumps({
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
    "docs": docs, "top": top, "logodds": logodds,
    "vocabulary": list(vectorizer.get_feature_names_out()), "idf": vectorizer.idf_.tolist(), "tfidf": tfidf.tolist(),
    "spearman": {"x": x, "y": y, "rho": float(rho)},
    "dims90": dims90,
    "cohen": {"a": rater_a, "b": rater_b, "kappa": cohen},
    "fleiss": {"counts": fleiss_counts, "kappa": fleiss},
}, indent=1))
