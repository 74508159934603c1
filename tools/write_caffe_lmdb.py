#!/usr/bin/python3
"""Writes a Caffe LMDB the way convert_imageset does, with Python's lmdb module and protobuf's own
serialiser (Debian: python3-lmdb, python3-protobuf), for tests/unit/caffe_lmdb_test.cc: an LMDB
made by another tool than svertka.

The Datum message is built from its descriptor (Caffe's field names and numbers), so neither
Caffe nor protoc is needed.

usage: write_caffe_lmdb.py OUT_DIR raw|encoded|float
       write_caffe_lmdb.py OUT_DIR idx|idx32c IMAGES.gz LABELS.gz
  idx:     an MNIST-format pair (gzipped IDX files) as Caffe's convert_mnist_data writes it: raw
           1xHxW records keyed "%08d"
  idx32c:  the same pair as CIFAR-10-shaped records (convert_cifar_data's 3x32x32): each image
           padded by 2 pixels of 0 on every side and repeated in the 3 channels (data of the right
           shape for examples/cifar10's nets where there is no CIFAR-10)
  raw:     5 records of 3x4x5 uint8 pixels, pixel (c,y,x) = (40*c + 5*y + x + 7*i) % 256, label i % 3
  float:   2 records of 1x2x3 float_data, value (y*3 + x) * 0.5 - i, label 1
  encoded: 2 records holding 4x6 PNG files (written with zlib here): a grey ramp 10*y + x
           (label 0) and an RGB one (x, 10*y, 100 + x + y) (label 1)
Keys: "%08d_img%d.png" % (i, i), as convert_imageset's "<line>_<file>".
"""
import gzip
import struct
import sys
import zlib

import lmdb
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def datum_class():
    f = descriptor_pb2.FileDescriptorProto(name="caffe_datum.proto", package="caffe",
                                           syntax="proto2")
    m = f.message_type.add(name="Datum")
    T = descriptor_pb2.FieldDescriptorProto
    for name, number, kind in [("channels", 1, T.TYPE_INT32), ("height", 2, T.TYPE_INT32),
                               ("width", 3, T.TYPE_INT32), ("data", 4, T.TYPE_BYTES),
                               ("label", 5, T.TYPE_INT32), ("float_data", 6, T.TYPE_FLOAT),
                               ("encoded", 7, T.TYPE_BOOL)]:
        label = T.LABEL_REPEATED if name == "float_data" else T.LABEL_OPTIONAL
        m.field.add(name=name, number=number, type=kind, label=label)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    descriptor = pool.FindMessageTypeByName("caffe.Datum")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def png(rows, colour):
    """A minimal 8-bit PNG: grey (colour type 0) or RGB (2) rows of bytes."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    height, width = len(rows), len(rows[0]) // (3 if colour else 1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if colour else 0, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) +
            chunk(b"IEND", b""))


def write_idx(out, Datum, images_path, labels_path, colour32=False):
    with gzip.open(images_path) as f:
        _, count, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = f.read(count * rows * cols)
    with gzip.open(labels_path) as f:
        f.read(8)
        labels = f.read(count)
    env = lmdb.open(out, map_size=1 << 31)
    with env.begin(write=True) as txn:
        for i in range(count):
            image = pixels[i * rows * cols:(i + 1) * rows * cols]
            if colour32:
                pad = (32 - cols) // 2
                plane = bytearray(32 * 32)
                for y in range(rows):
                    start = (y + pad) * 32 + pad
                    plane[start:start + cols] = image[y * cols:(y + 1) * cols]
                d = Datum(channels=3, height=32, width=32, label=labels[i])
                d.data = bytes(plane) * 3
            else:
                d = Datum(channels=1, height=rows, width=cols, label=labels[i])
                d.data = image
            txn.put(b"%08d" % i, d.SerializeToString())
    env.close()


def main():
    out, kind = sys.argv[1], sys.argv[2]
    Datum = datum_class()
    if kind in ("idx", "idx32c"):
        return write_idx(out, Datum, sys.argv[3], sys.argv[4], colour32=kind == "idx32c")
    env = lmdb.open(out, map_size=1 << 24)
    with env.begin(write=True) as txn:
        if kind == "raw":
            for i in range(5):
                d = Datum(channels=3, height=4, width=5, label=i % 3)
                d.data = bytes((40 * c + 5 * y + x + 7 * i) % 256
                               for c in range(3) for y in range(4) for x in range(5))
                txn.put(b"%08d_img%d.png" % (i, i), d.SerializeToString())
        elif kind == "float":
            for i in range(2):
                d = Datum(channels=1, height=2, width=3, label=1)
                d.float_data.extend((y * 3 + x) * 0.5 - i for y in range(2) for x in range(3))
                txn.put(b"%08d_img%d.png" % (i, i), d.SerializeToString())
        else:
            grey = [[10 * y + x for x in range(6)] for y in range(4)]
            rgb = [[v for x in range(6) for v in (x, 10 * y, 100 + x + y)] for y in range(4)]
            for i, image in enumerate([png(grey, False), png(rgb, True)]):
                d = Datum(label=i, encoded=True)
                d.data = image
                txn.put(b"%08d_img%d.png" % (i, i), d.SerializeToString())
    env.close()


if __name__ == "__main__":
    main()
