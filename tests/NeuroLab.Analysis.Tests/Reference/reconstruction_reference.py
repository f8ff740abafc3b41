#!/usr/bin/python3
"""Reference values for the NeuroLab.Analysis.Reconstruction tests (ReconstructionMetrics).

Run with Debian's Python (python3-skimage 0.19.3, scipy 1.10.1, numpy 1.24.2):

    apt-get install -y python3-skimage
    /usr/bin/python3 tests/NeuroLab.Analysis.Tests/Reference/reconstruction_reference.py

Writes reconstruction_reference.json next to this script. CI has no skimage: the tests read the JSON.

Independent computations:
  - SSIM: skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    data_range=...) on float64 copies of the float32 images (skimage would compute in float32 for float32 input);
  - PixCorr: numpy.corrcoef of the flattened images (NaN written where a side is constant: the metric's definition);
  - MSE: numpy mean of squared differences in float64;
  - 2-way identification and retrieval ranks: numpy.corrcoef per pair, counted with the documented rules;
  - bootstrap interval: the documented SplitMix64 draws, numpy.nanmean and numpy.percentile (linear).

Synthetic inputs are not stored: the tests rebuild them bit for bit from SplitMix64 (same generator as
src/NeuroLab.Analysis/Encoding/SplitMix64.cs) with the recipe in `uniform_field` / `image_pair` below; every formula
uses only float64 +, * and a final rounding to float32, so C# and numpy produce identical inputs.
Real inputs: the 10 test digits of vangerven-digits (stimTest / 255 as float32, each row of 784 read as a row-major
28x28 image), their 3x3 box blur (edge pixels replicated) and the 90 training digits as retrieval distractors.
"""
import json
import os

import numpy as np
import scipy.io
from skimage.metrics import structural_similarity

from ridge_reference import SplitMix64  # the same generator as src/NeuroLab.Analysis/Encoding/SplitMix64.cs

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = "/work/shared/data/vangerven-digits/digit69_28x28.mat"


def uniform_field(rng, rows, cols):
    """float64 [rows, cols] of (next() >> 40) / 2^24: 24-bit uniforms in [0, 1), exact in float32."""
    return np.array([(rng.next() >> 40) / float(1 << 24) for _ in range(rows * cols)]).reshape(rows, cols)


def image_pair(rng, h, w, alpha):
    """Target: 0.75 * a blocky field (4x4 blocks) + 0.25 * pixel noise; reconstruction: alpha * target + (1 - alpha) * noise."""
    blocks = uniform_field(rng, h // 4 + 1, w // 4 + 1)
    noise = uniform_field(rng, h, w)
    other = uniform_field(rng, h, w)
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    target = (0.75 * blocks[ys // 4, xs // 4] + 0.25 * noise).astype(np.float32)
    recon = (alpha * target.astype(np.float64) + (1.0 - alpha) * other).astype(np.float32)
    return recon, target


def image_set(seed, h, w, alphas):
    rng = SplitMix64(seed)
    pairs = [image_pair(rng, h, w, a) for a in alphas]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def ssim(r, t, data_range=1.0):
    return float(structural_similarity(r.astype(np.float64), t.astype(np.float64), gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, data_range=data_range))


def pixcorr(r, t):
    if np.ptp(r) == 0 or np.ptp(t) == 0:
        return float("nan")
    return float(np.corrcoef(r.astype(np.float64).ravel(), t.astype(np.float64).ravel())[0, 1])


def mse(r, t):
    return float(np.mean((r.astype(np.float64) - t.astype(np.float64)) ** 2))


def corr(a, b):
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a.astype(np.float64), b.astype(np.float64))[0, 1])


def two_way(recon, target):
    n = recon.shape[0]
    out = []
    for i in range(n):
        own = corr(recon[i], target[i])
        others = [corr(recon[i], target[j]) for j in range(n) if j != i]
        others = [o for o in others if not np.isnan(o)]
        if np.isnan(own) or not others:
            out.append(float("nan"))
            continue
        out.append(float(np.mean([1.0 if own > o else 0.5 if own == o else 0.0 for o in others])))
    return out


def ranks(pred, cand, true_index):
    out = []
    for i, t in enumerate(true_index):
        own = corr(pred[i], cand[t])
        if np.isnan(own):
            out.append(cand.shape[0])
            continue
        c = [corr(pred[i], cand[j]) for j in range(cand.shape[0]) if j != t]
        out.append(1 + int(sum(1 for v in c if not np.isnan(v) and v >= own)))
    return out


def image_metrics(recon, target, data_range=1.0):
    return {
        "pixcorr": [pixcorr(r, t) for r, t in zip(recon, target)],
        "ssim": [ssim(r, t, data_range) for r, t in zip(recon, target)],
        "mse": [mse(r, t) for r, t in zip(recon, target)],
    }


def box_blur(images):
    """3x3 mean with edge pixels replicated, summed dy = -1..1 then dx = -1..1 in float64, / 9, rounded to float32."""
    n, h, w = images.shape
    x = images.astype(np.float64)
    out = np.empty_like(x)
    for i in range(n):
        for y in range(h):
            for c in range(w):
                s = 0.0
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        s += x[i, min(max(y + dy, 0), h - 1), min(max(c + dx, 0), w - 1)]
                out[i, y, c] = s / 9.0
    return out.astype(np.float32)


def nan_to_none(value):
    if isinstance(value, list):
        return [nan_to_none(v) for v in value]
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def main():
    out = {"versions": {"skimage": __import__("skimage").__version__, "scipy": scipy.__version__, "numpy": np.__version__}}

    image_cases = []
    for name, seed, h, w, alphas, data_range, constants in [
        ("small28", 11, 28, 28, [1.0, 0.8, 0.5, 0.2, 0.0, 0.6, 0.6], 1.0, True),
        ("odd37x53", 12, 37, 53, [0.9, 0.4, 0.1], 1.0, False),
        ("odd37x53_range2", 12, 37, 53, [0.9, 0.4, 0.1], 2.0, False),
        ("window11", 13, 11, 11, [0.7, 0.3], 1.0, False),
        ("large256", 14, 256, 256, [0.6], 1.0, False),
    ]:
        recon, target = image_set(seed, h, w, alphas)
        if constants:
            # Image 5: constant reconstruction (PixCorr undefined); image 6: both constant.
            recon[5] = np.float32(0.5)
            recon[6] = np.float32(0.75)
            target[6] = np.float32(0.25)
        case = {"name": name, "seed": seed, "h": h, "w": w, "alphas": alphas, "dataRange": data_range,
                "constants": constants}
        case.update(image_metrics(recon, target, data_range))
        image_cases.append(case)
    out["images"] = image_cases

    # 2-way identification: targets uniform [12, 40]; recon = 0.3 target + 0.7 noise; target 7 copies target 5 (a tie
    # for images 5 and 7); recon 9 constant (NaN); target 11 constant (NaN for image 11, left out as a distractor).
    rng = SplitMix64(21)
    target = uniform_field(rng, 12, 40).astype(np.float32)
    noise = uniform_field(rng, 12, 40)
    target[7] = target[5]
    target[11] = np.float32(0.5)
    recon = (0.3 * target.astype(np.float64) + 0.7 * noise).astype(np.float32)
    recon[9] = np.float32(0.25)
    out["identification"] = {"seed": 21, "n": 12, "d": 40, "result": two_way(recon, target)}

    # Retrieval: candidates uniform [30, 40]; predicted = 0.4 candidate[true] + 0.6 noise; candidate 10 copies 17 (image 1's
    # own: a tie counted against it); candidate 25 constant (never counted).
    rng = SplitMix64(22)
    cand = uniform_field(rng, 30, 40).astype(np.float32)
    noise = uniform_field(rng, 8, 40)
    true_index = [3, 17, 0, 29, 8, 12, 21, 5]
    cand[10] = cand[17]
    cand[25] = np.float32(0.5)
    pred = (0.4 * cand[true_index].astype(np.float64) + 0.6 * noise).astype(np.float32)
    out["retrieval"] = {"seed": 22, "n": 8, "m": 30, "d": 40, "trueIndex": true_index, "ranks": ranks(pred, cand, true_index)}

    # Bootstrap: 25 uniforms with NaN at 3 and 17; 1000 resamples, seed 7.
    rng = SplitMix64(31)
    values = uniform_field(rng, 1, 25)[0]
    values[3] = np.nan
    values[17] = np.nan
    finite = values[~np.isnan(values)]
    draw = SplitMix64(7)
    means = np.array([np.mean([finite[draw.next() % finite.size] for _ in range(finite.size)]) for _ in range(1000)])
    out["bootstrap"] = {"seed": 31, "count": 25, "nanAt": [3, 17], "resamples": 1000, "drawSeed": 7,
                        "mean": float(np.nanmean(values)), "low": float(np.percentile(means, 2.5)),
                        "high": float(np.percentile(means, 97.5))}

    # Real digits: the 10 test images, against themselves and a 3x3 box blur; identification and retrieval in pixels.
    mat = scipy.io.loadmat(DIGITS)
    test = (mat["stimTest"].astype(np.float64) / 255.0).astype(np.float32).reshape(10, 28, 28)
    train = (mat["stimTrn"].astype(np.float64) / 255.0).astype(np.float32).reshape(90, 28, 28)
    blurred = box_blur(test)
    pool = np.concatenate([train, test]).reshape(100, 784)
    out["digits"] = {
        "self": image_metrics(test, test),
        "blurred": image_metrics(blurred, test),
        "blurredIdentification": two_way(blurred.reshape(10, 784), test.reshape(10, 784)),
        "blurredRetrievalRanks": ranks(blurred.reshape(10, 784), pool, list(range(90, 100))),
    }

    with open(os.path.join(HERE, "reconstruction_reference.json"), "w") as f:
        json.dump(nan_to_none(out), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
