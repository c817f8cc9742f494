#!/usr/bin/python3
"""Makes a PNG contact sheet of the frames around a prompt change in a rendered video.

Usage: pipelines/make_contact_sheet.py INPUT OUTPUT.png --change-frame N
           [--before 6] [--after 6] [--step 1] [--columns 6] [--width 192]
Frames run left to right, top to bottom; the first frame of the new prompt has a red border.
Decodes with GStreamer (uridecodebin ! videoconvert ! videoscale ! appsink); writes the PNG
with zlib, so nothing beyond python3-gi is needed.
"""
import argparse
import struct
import sys
import zlib

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

BORDER = 4
MARK = (220, 30, 30)
BACKGROUND = (255, 255, 255)


def decode_frames(path, width, wanted):
    """RGB bytes (rows of width*3) of the frames whose index is in `wanted`, and the height."""
    pipeline = Gst.parse_launch(
        f'uridecodebin uri="{Gst.filename_to_uri(path)}" ! videoconvert ! videoscale '
        f"! video/x-raw,format=RGB,width={width},pixel-aspect-ratio=1/1 "
        "! appsink name=sink sync=false emit-signals=false max-buffers=4")
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    frames, height, index = {}, 0, 0
    while index <= max(wanted):
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        if index in wanted:
            height = sample.get_caps().get_structure(0).get_int("height")[1]
            buf = sample.get_buffer()
            frames[index] = buf.extract_dup(0, buf.get_size())
        index += 1
    pipeline.set_state(Gst.State.NULL)
    return frames, height


def compose(frames, order, width, height, columns, mark):
    """Rows of the sheet: each frame in a cell with a border, `mark` framed in red."""
    cell_w, cell_h = width + 2 * BORDER, height + 2 * BORDER
    rows_n = (len(order) + columns - 1) // columns
    sheet = [bytearray(bytes(BACKGROUND) * (cell_w * columns)) for _ in range(cell_h * rows_n)]
    for n, index in enumerate(order):
        x0, y0 = (n % columns) * cell_w, (n // columns) * cell_h
        if index == mark:
            for y in range(y0, y0 + cell_h):
                sheet[y][x0 * 3:(x0 + cell_w) * 3] = bytes(MARK) * cell_w
        data = frames.get(index)
        if data is None:
            continue
        stride = len(data) // height
        for y in range(height):
            row = sheet[y0 + BORDER + y]
            row[(x0 + BORDER) * 3:(x0 + BORDER + width) * 3] = data[y * stride:y * stride + width * 3]
    return sheet


def write_png(path, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", len(rows[0]) // 3, len(rows), 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--change-frame", type=int, required=True)
    parser.add_argument("--before", type=int, default=6)
    parser.add_argument("--after", type=int, default=6)
    parser.add_argument("--step", type=int, default=1)
    parser.add_argument("--columns", type=int, default=6)
    parser.add_argument("--width", type=int, default=192, help="cell width (multiple of 4)")
    args = parser.parse_args()
    if args.width % 4:
        parser.error("--width must be a multiple of 4 (RGB rows are padded to 4 bytes)")
    Gst.init(None)
    first = max(0, args.change_frame - args.before * args.step)
    order = list(range(first, args.change_frame + args.after * args.step, args.step))
    frames, height = decode_frames(args.input, args.width, set(order))
    if not frames:
        sys.exit(f"no frames decoded from {args.input}")
    write_png(args.output, compose(frames, order, args.width, height, args.columns,
                                   args.change_frame))
    print(f"{args.output}: {len(frames)} frames {order[0]}..{order[-1]}, "
          f"change at {args.change_frame}")


if __name__ == "__main__":
    main()
