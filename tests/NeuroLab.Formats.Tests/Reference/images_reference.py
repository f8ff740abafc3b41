#!/usr/bin/python3
"""Reference values for the Images reader (ImageReader, ImageThumbnail).

Run with Debian's Python:  /usr/bin/python3 images_reference.py
Independent decoder: Pillow (python3-pil 9.4.0, Debian's libpng16 and libjpeg62-turbo), numpy 1.24.2.
Writes images_reference.json beside this script and small synthetic images under ../Fixtures/images/.
Some fixtures (16-bit RGB/RGBA, Adam7-interlaced) are written by the small PNG encoder below, because
Pillow cannot write them; their pixel arrays are the ground truth, and Pillow re-reads the 8-bit ones.
"""
import base64
import glob
import hashlib
import io
import json
import os
import struct
import zlib

import numpy as np
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.environ.get("NEUROLAB_SHARED_DATA") or os.path.join(os.path.dirname(REPO), "shared", "data")
FIXTURES = os.path.join(HERE, "..", "Fixtures", "images")

SAMPLES = ((0, 0), (37, 101), (-1, -1))  # (row, column); negative = from the end


def rel(path):
    return os.path.relpath(path, DATA).replace(os.sep, "/")


def b64(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).decode("ascii")


def samples(a):
    h, w = a.shape[:2]
    return [[r % h, c % w, [int(v) for v in np.atleast_1d(a[r, c])]] for r, c in SAMPLES]


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def filter_scanlines(block, dtype, bytes_per_pixel, cycle_filters):
    """PNG scanlines with a filter-type byte each: type 0 (none), or cycling 0-4 (none, sub, up, average, Paeth)."""
    out = []
    prev = np.zeros(block.shape[1] * bytes_per_pixel, dtype=np.int32)
    for i, row in enumerate(block):
        cur = np.frombuffer(row.astype(dtype).tobytes(), dtype=np.uint8).astype(np.int32)
        kind = i % 5 if cycle_filters else 0
        left = np.concatenate([np.zeros(bytes_per_pixel, np.int32), cur[:-bytes_per_pixel]])
        up_left = np.concatenate([np.zeros(bytes_per_pixel, np.int32), prev[:-bytes_per_pixel]])
        if kind == 0:
            filtered = cur
        elif kind == 1:
            filtered = cur - left
        elif kind == 2:
            filtered = cur - prev
        elif kind == 3:
            filtered = cur - (left + prev) // 2
        else:
            p = left + prev - up_left
            pa, pb, pc = np.abs(p - left), np.abs(p - prev), np.abs(p - up_left)
            filtered = cur - np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, up_left))
        out.append(bytes([kind]) + (filtered % 256).astype(np.uint8).tobytes())
        prev = cur
    return b"".join(out)


def write_png(path, a, color_type, bit_depth, interlace=False, cycle_filters=False, trns=None):
    """Minimal PNG encoder: 8- or 16-bit samples, optional Adam7 interlacing, filters 0 or cycling 0-4, optional tRNS."""
    h, w = a.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    bytes_per_pixel = (a.shape[2] if a.ndim == 3 else 1) * (2 if bit_depth == 16 else 1)

    def scanlines(block):
        return filter_scanlines(block, dtype, bytes_per_pixel, cycle_filters)

    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        raw = b"".join(scanlines(a[y0::dy, x0::dx]) for x0, y0, dx, dy in passes if a[y0::dy, x0::dx].size)
    else:
        raw = scanlines(a)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    extra = png_chunk(b"tRNS", trns) if trns is not None else b""
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


def fixture(name):
    return os.path.join(FIXTURES, name)


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    ref = {"generator": "images_reference.py: Pillow %s, numpy %s" % (PIL.__version__, np.__version__)}

    # k92 PNG stimuli: exact (lossless), so a hash of all RGB bytes is compared.
    k92 = {}
    for path in sorted(glob.glob(os.path.join(DATA, "k92/images/*.png"))):
        im = Image.open(path)
        a = np.asarray(im.convert("RGB"))
        k92[rel(path)] = {"mode": im.mode, "size": [im.height, im.width], "sha256": hashlib.sha256(a.tobytes()).hexdigest(), "mean": float(a.mean()), "samples": samples(a)}
    ref["k92"] = k92
    first = os.path.join(DATA, "k92/images/00.png")
    l_image = np.asarray(Image.open(os.path.join(DATA, "k92/images/05.png")).convert("L"))
    ref["k92_luma"] = {"file": "k92/images/05.png", "shape": list(l_image.shape), "pil_L_base64": b64(l_image)}
    del first

    # Kay 2008 JPEG stimuli: lossy, so means and a few pixels per image, full arrays for two.
    kay = {}
    all_gray = True
    for path in sorted(glob.glob(os.path.join(DATA, "kay2008-stimuli/stimuli/*.jpg")), key=lambda p: int(os.path.basename(p)[:-4])):
        im = Image.open(path)
        a = np.asarray(im.convert("RGB"))
        gray = bool((a[..., 0] == a[..., 1]).all() and (a[..., 1] == a[..., 2]).all())
        all_gray &= gray
        # Compact row per image: height, width, PIL mode, mean of R,G,B (0-255), R at the SAMPLES positions.
        h, w = a.shape[:2]
        kay[os.path.basename(path)] = [im.height, im.width, im.mode, round(float(a.mean()), 4)] + [int(a[r % h, c % w, 0]) for r, c in SAMPLES]
    ref["kay_folder"] = "kay2008-stimuli/stimuli"
    ref["kay_samples"] = [list(rc) for rc in SAMPLES]
    ref["kay"] = kay
    ref["kay_all_rgb_equal"] = all_gray
    ref["kay_full"] = {}
    for name in ("0.jpg", "1234.jpg"):
        a = np.asarray(Image.open(os.path.join(DATA, "kay2008-stimuli/stimuli", name)).convert("L"))
        ref["kay_full"]["kay2008-stimuli/stimuli/" + name] = {"shape": list(a.shape), "pil_L_base64": b64(a)}
    im = Image.open(os.path.join(DATA, "kay2008-stimuli/stimuli/0.jpg")).convert("L")
    reduced = np.asarray(im.reduce(2))  # 2x2 box average
    ref["kay_reduce2"] = {"file": "kay2008-stimuli/stimuli/0.jpg", "shape": list(reduced.shape), "pil_reduce2_base64": b64(reduced)}

    # Synthetic fixtures for layouts the real data lacks.
    rng = np.random.default_rng(92)
    fx = {}

    g16 = rng.integers(0, 65536, size=(5, 7), dtype=np.uint16)
    g16[0, 0], g16[0, 1], g16[0, 2] = 0, 65535, 32768
    Image.fromarray(g16).save(fixture("gray16.png"))
    assert np.array_equal(np.asarray(Image.open(fixture("gray16.png"))), g16)
    fx["gray16.png"] = {"shape": [5, 7, 1], "max": 65535, "values": g16.reshape(5, 7, 1).tolist()}

    rgb16 = rng.integers(0, 65536, size=(3, 4, 3), dtype=np.uint16)
    write_png(fixture("rgb16.png"), rgb16, 2, 16)
    fx["rgb16.png"] = {"shape": [3, 4, 3], "max": 65535, "values": rgb16.tolist()}

    rgba16 = rng.integers(0, 65536, size=(2, 3, 4), dtype=np.uint16)
    write_png(fixture("rgba16.png"), rgba16, 6, 16)
    fx["rgba16.png"] = {"shape": [2, 3, 4], "max": 65535, "values": rgba16.tolist(), "color": "Rgba"}

    # Every scanline filter, in 16 bits (managed decoder) and 8 bits (Skia); Pillow checks the 8-bit one.
    filt16 = rng.integers(0, 65536, size=(6, 5, 3), dtype=np.uint16)
    write_png(fixture("rgb16_filters.png"), filt16, 2, 16, cycle_filters=True)
    assert np.array_equal(np.asarray(Image.open(fixture("rgb16_filters.png"))), (filt16 >> 8).astype(np.uint8))  # Pillow keeps the high bytes
    fx["rgb16_filters.png"] = {"shape": [6, 5, 3], "max": 65535, "values": filt16.tolist()}
    filt8 = rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
    write_png(fixture("rgb8_filters.png"), filt8, 2, 8, cycle_filters=True)
    assert np.array_equal(np.asarray(Image.open(fixture("rgb8_filters.png"))), filt8)
    fx["rgb8_filters.png"] = {"shape": [6, 5, 3], "max": 255, "values": filt8.tolist()}

    # 16-bit gray+alpha, Adam7-interlaced, all filters.
    la16 = rng.integers(0, 65536, size=(10, 9, 2), dtype=np.uint16)
    write_png(fixture("gray_alpha16_interlaced.png"), la16, 4, 16, interlace=True, cycle_filters=True)
    assert np.array_equal(np.asarray(Image.open(fixture("gray_alpha16_interlaced.png")))[..., 3], (la16[..., 1] >> 8).astype(np.uint8))
    fx["gray_alpha16_interlaced.png"] = {"shape": [10, 9, 1], "max": 65535, "values": la16[..., :1].tolist()}
    fx["gray_alpha16_interlaced.png#rgba"] = {"file": "gray_alpha16_interlaced.png", "shape": [10, 9, 4], "max": 65535, "values": np.concatenate([la16[..., :1]] * 3 + [la16[..., 1:]], axis=2).tolist(), "color": "Rgba"}

    # 16-bit RGB with a tRNS colour key: pixels of exactly that colour are transparent.
    key16 = rng.integers(0, 65536, size=(3, 4, 3), dtype=np.uint16)
    key16[1, 2] = key16[0, 0]
    write_png(fixture("rgb16_trns.png"), key16, 2, 16, trns=key16[0, 0].astype(">u2").tobytes())
    alpha = np.where((key16 == key16[0, 0]).all(axis=2), 0, 65535)[..., None]
    fx["rgb16_trns.png#rgba"] = {"file": "rgb16_trns.png", "shape": [3, 4, 4], "max": 65535, "values": np.concatenate([key16, alpha], axis=2).tolist(), "color": "Rgba"}

    inter = rng.integers(0, 256, size=(7, 9, 3), dtype=np.uint8)
    write_png(fixture("interlaced.png"), inter, 2, 8, interlace=True)
    assert np.array_equal(np.asarray(Image.open(fixture("interlaced.png"))), inter)
    fx["interlaced.png"] = {"shape": [7, 9, 3], "max": 255, "values": inter.tolist()}

    bits = rng.integers(0, 2, size=(3, 10), dtype=np.uint8).astype(bool)
    Image.fromarray(bits).save(fixture("gray1bit.png"))
    fx["gray1bit.png"] = {"shape": [3, 10, 1], "max": 255, "values": (np.asarray(Image.open(fixture("gray1bit.png")).convert("L"))[..., None]).tolist()}

    la = rng.integers(0, 256, size=(4, 6, 2), dtype=np.uint8)
    Image.fromarray(la, "LA").save(fixture("gray_alpha.png"))
    fx["gray_alpha.png"] = {"shape": [4, 6, 1], "max": 255, "values": la[..., :1].tolist()}
    fx["gray_alpha.png#rgba"] = {"file": "gray_alpha.png", "shape": [4, 6, 4], "max": 255, "values": np.concatenate([la[..., :1]] * 3 + [la[..., 1:]], axis=2).tolist(), "color": "Rgba"}

    rgba = rng.integers(0, 256, size=(4, 6, 4), dtype=np.uint8)
    rgba[0, 0, 3] = 0
    Image.fromarray(rgba, "RGBA").save(fixture("rgba.png"))
    fx["rgba.png"] = {"shape": [4, 6, 3], "max": 255, "values": rgba[..., :3].tolist()}
    fx["rgba.png#rgba"] = {"file": "rgba.png", "shape": [4, 6, 4], "max": 255, "values": rgba.tolist(), "color": "Rgba"}

    pal = Image.fromarray(rng.integers(0, 256, size=(5, 5, 3), dtype=np.uint8), "RGB").quantize(colors=6)
    pal.save(fixture("palette.png"))
    fx["palette.png"] = {"shape": [5, 5, 3], "max": 255, "values": np.asarray(Image.open(fixture("palette.png")).convert("RGB")).tolist()}
    pal.save(fixture("palette_trns.png"), transparency=0)
    fx["palette_trns.png#rgba"] = {"file": "palette_trns.png", "shape": [5, 5, 4], "max": 255, "values": np.asarray(Image.open(fixture("palette_trns.png")).convert("RGBA")).tolist(), "color": "Rgba"}

    smooth = (np.add.outer(np.arange(12) * 9, np.arange(16) * 7) % 256).astype(np.uint8)
    color = np.stack([smooth, smooth[::-1], np.roll(smooth, 5, axis=1)], axis=2)
    Image.fromarray(smooth, "L").save(fixture("gray.jpg"), quality=90)
    fx["gray.jpg"] = {"shape": [12, 16, 1], "max": 255, "values": np.asarray(Image.open(fixture("gray.jpg")))[..., None].tolist(), "lossy": True}
    Image.fromarray(color, "RGB").save(fixture("progressive.jpg"), quality=90, progressive=True)
    fx["progressive.jpg"] = {"shape": [12, 16, 3], "max": 255, "values": np.asarray(Image.open(fixture("progressive.jpg"))).tolist(), "lossy": True}
    Image.fromarray(color, "RGB").convert("CMYK").save(fixture("cmyk.jpg"), quality=95)
    fx["cmyk.jpg"] = {"shape": [12, 16, 3], "max": 255, "values": np.asarray(Image.open(fixture("cmyk.jpg")).convert("RGB")).tolist(), "lossy": True}

    # EXIF orientation 6 ("rotate 90 CW to display"): stored pixels are returned as stored, as by PIL without exif_transpose.
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(color[:8], "RGB").save(fixture("exif_rotate90.jpg"), quality=90, exif=exif.tobytes())
    fx["exif_rotate90.jpg"] = {"shape": [8, 16, 3], "max": 255, "values": np.asarray(Image.open(fixture("exif_rotate90.jpg"))).tolist(), "lossy": True}

    ref["fixtures"] = fx
    out = os.path.join(HERE, "images_reference.json")
    with open(out, "w") as f:
        json.dump(ref, f, sort_keys=True, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print("wrote", out, os.path.getsize(out), "bytes; kay all R=G=B:", all_gray)


if __name__ == "__main__":
    main()
