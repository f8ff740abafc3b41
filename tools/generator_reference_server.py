#!/usr/bin/env python3
"""Reference server for NeuroLab's external generator contract "neurolab.generator/1" (docs/api/generative-service.md).

Standard library only. It documents the contract; it is not a generative model: each item's low-level guess comes back
blurred with a 3x3 box filter (mid-grey at the output size when the request has no guess). The embedding is read and
checked (length = embeddingDimension) but not used. NeuroLab's tests use an in-process double instead of this script.

    python3 tools/generator_reference_server.py --port 8765
    NeuroLab__Reconstruction__Generator__Endpoint=http://127.0.0.1:8765/generate
"""
import argparse
import base64
import json
import struct
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTRACT = "neurolab.generator/1"
MODEL, VERSION = "reference-box-blur", "1.0"
MAX_BODY = 256 * 1024 * 1024


def png_grey_encode(pixels, height, width):
    """8-bit greyscale PNG (colour type 0, filter 0 on every row) of rows of ints 0..255."""
    raw = b"".join(b"\x00" + bytes(pixels[y * width:(y + 1) * width]) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def png_grey_decode(data):
    """(pixels, height, width) of an 8-bit greyscale, non-interlaced PNG (what NeuroLab sends as lowLevel)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    width = height = None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour != 0 or interlace != 0:
                raise ValueError("only 8-bit greyscale non-interlaced PNGs are read here")
        elif kind == b"IDAT":
            idat += body
    raw, out, prev = zlib.decompress(idat), [], [0] * width
    for y in range(height):
        filt, line = raw[y * (width + 1)], list(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width):
            a = line[x - 1] if x > 0 else 0
            b, c = prev[x], prev[x - 1] if x > 0 else 0
            if filt == 1:
                line[x] = (line[x] + a) & 0xFF
            elif filt == 2:
                line[x] = (line[x] + b) & 0xFF
            elif filt == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out.extend(line)
        prev = line
    return out, height, width


def box_blur(pixels, height, width):
    result = []
    for y in range(height):
        for x in range(width):
            around = [pixels[j * width + i] for j in range(max(0, y - 1), min(height, y + 2)) for i in range(max(0, x - 1), min(width, x + 2))]
            result.append(round(sum(around) / len(around)))
    return result


class Handler(BaseHTTPRequestHandler):
    def _json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length <= 0 or length > MAX_BODY:
            return self._json(413, {"error": "body missing or too large"})
        try:
            request = json.loads(self.rfile.read(length))
            if request.get("contract") != CONTRACT:
                return self._json(400, {"error": f"expected contract {CONTRACT}"})
            out_h, out_w = request["output"]["height"], request["output"]["width"]
            images = []
            for item in request["items"]:
                if len(item["embedding"]) != request["embeddingDimension"]:
                    return self._json(400, {"error": f"item {item['index']}: embedding length differs from embeddingDimension"})
                low = item.get("lowLevel")
                if low:
                    pixels, h, w = png_grey_decode(base64.b64decode(low["pngBase64"]))
                    png = png_grey_encode(box_blur(pixels, h, w), h, w)
                else:
                    png = png_grey_encode([128] * (out_h * out_w), out_h, out_w)
                images.append({"index": item["index"], "pngBase64": base64.b64encode(png).decode()})
        except (ValueError, KeyError, TypeError) as e:
            return self._json(400, {"error": str(e)})
        self._json(200, {"model": MODEL, "version": VERSION, "images": images})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"neurolab.generator/1 reference server on http://{args.host}:{args.port}/generate")
    server.serve_forever()


if __name__ == "__main__":
    main()
