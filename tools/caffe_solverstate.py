#!/usr/bin/python3
"""Writes and reads Caffe snapshots (.caffemodel + .solverstate) with protobuf's own serialiser
(Debian: python3-protobuf), for tests/unit/caffe_snapshot_test.cc: a solver state made, and one
checked, by another tool than svertka.

The messages are built from descriptors with the field names and numbers of BVLC/caffe's
src/caffe/proto/caffe.proto (BlobShape, BlobProto, LayerParameter's name/type/blobs,
NetParameter's name/layer, SolverState), not from svertka's proto/caffe.proto, so that a wrong
number there would fail the test rather than agree with itself.

usage: caffe_solverstate.py write OUT_PREFIX ITER BUFFERS LAYER:SHAPE[:SHAPE...] ... [--hostile K]
         writes OUT_PREFIX.caffemodel and OUT_PREFIX.solverstate: for each layer its blobs of the
         given shapes (e.g. conv:2x1x3x3:2), blob j of parameter k (in the net's order) holding
         value(k, i) = 0.25 * k + 0.001 * i; the state's iter ITER, learned_net the .caffemodel's
         file name (found next to the state), current_step 0, and BUFFERS sets of history blobs,
         blob b * P + k holding history(b, k, i) = 1 + b + 0.5 * k + 0.0001 * i. --hostile K writes
         a wrong state instead: K = count (one blob short), shape (the first blob's dims reversed),
         legacy (the first blob in num/channels/height/width form, which is accepted), nonet (no
         learned_net), iter (iter -1).
       caffe_solverstate.py read STATE.solverstate
         prints iter, current_step, learned_net, then per history blob its dims and the sum of
         its values, one per line.
"""
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

T = descriptor_pb2.FieldDescriptorProto


def message_classes():
    f = descriptor_pb2.FileDescriptorProto(name="caffe_snapshot.proto", package="caffe",
                                           syntax="proto2")

    def message(name, fields):
        m = f.message_type.add(name=name)
        for field_name, number, kind, repeated, type_name in fields:
            field = m.field.add(name=field_name, number=number, type=kind,
                                label=T.LABEL_REPEATED if repeated else T.LABEL_OPTIONAL)
            if type_name:
                field.type_name = ".caffe." + type_name
            if repeated and kind in (T.TYPE_INT64, T.TYPE_FLOAT, T.TYPE_DOUBLE):
                field.options.packed = True

    message("BlobShape", [("dim", 1, T.TYPE_INT64, True, None)])
    message("BlobProto", [("shape", 7, T.TYPE_MESSAGE, False, "BlobShape"),
                          ("data", 5, T.TYPE_FLOAT, True, None),
                          ("diff", 6, T.TYPE_FLOAT, True, None),
                          ("double_data", 8, T.TYPE_DOUBLE, True, None),
                          ("num", 1, T.TYPE_INT32, False, None),
                          ("channels", 2, T.TYPE_INT32, False, None),
                          ("height", 3, T.TYPE_INT32, False, None),
                          ("width", 4, T.TYPE_INT32, False, None)])
    message("LayerParameter", [("name", 1, T.TYPE_STRING, False, None),
                               ("type", 2, T.TYPE_STRING, False, None),
                               ("blobs", 7, T.TYPE_MESSAGE, True, "BlobProto")])
    message("NetParameter", [("name", 1, T.TYPE_STRING, False, None),
                             ("layer", 100, T.TYPE_MESSAGE, True, "LayerParameter")])
    message("SolverState", [("iter", 1, T.TYPE_INT32, False, None),
                            ("learned_net", 2, T.TYPE_STRING, False, None),
                            ("history", 3, T.TYPE_MESSAGE, True, "BlobProto"),
                            ("current_step", 4, T.TYPE_INT32, False, None)])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)

    def cls(name):
        d = pool.FindMessageTypeByName("caffe." + name)
        if hasattr(message_factory, "GetMessageClass"):
            return message_factory.GetMessageClass(d)
        return message_factory.MessageFactory(pool).GetPrototype(d)

    return cls("NetParameter"), cls("SolverState")


def numel(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def fill(blob, dims, value):
    blob.shape.dim.extend(dims)
    blob.data.extend(value(i) for i in range(numel(dims)))


def write(argv):
    prefix, iteration, buffers = argv[0], int(argv[1]), int(argv[2])
    hostile = None
    if "--hostile" in argv:
        hostile = argv[argv.index("--hostile") + 1]
        argv = argv[:argv.index("--hostile")]
    NetParameter, SolverState = message_classes()
    net = NetParameter(name="snapshot")
    shapes = []  # per parameter, in the net's order
    for spec in argv[3:]:
        name, *blob_shapes = spec.split(":")
        layer = net.layer.add(name=name)
        for text in blob_shapes:
            dims = [int(d) for d in text.split("x")]
            k = len(shapes)
            fill(layer.blobs.add(), dims, lambda i, k=k: 0.25 * k + 0.001 * i)
            shapes.append(dims)
    with open(prefix + ".caffemodel", "wb") as f:
        f.write(net.SerializeToString())
    state = SolverState(iter=-1 if hostile == "iter" else iteration, current_step=0)
    if hostile != "nonet":
        state.learned_net = prefix.split("/")[-1] + ".caffemodel"
    for b in range(buffers):
        for k, dims in enumerate(shapes):
            blob = state.history.add()
            dims = dims[::-1] if hostile == "shape" and b == 0 and k == 0 else dims
            fill(blob, dims, lambda i, b=b, k=k: 1 + b + 0.5 * k + 0.0001 * i)
            if hostile == "legacy" and b == 0 and k == 0:
                legacy = [1] * (4 - len(dims)) + dims
                blob.ClearField("shape")
                blob.num, blob.channels, blob.height, blob.width = legacy
    if hostile == "count":
        del state.history[-1]
    with open(prefix + ".solverstate", "wb") as f:
        f.write(state.SerializeToString())


def read(path):
    _, SolverState = message_classes()
    state = SolverState()
    with open(path, "rb") as f:
        state.ParseFromString(f.read())
    print(state.iter)
    print(state.current_step)
    print(state.learned_net)
    for blob in state.history:
        print("x".join(str(d) for d in blob.shape.dim), repr(sum(blob.data)))


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2:])
    else:
        read(sys.argv[2])


if __name__ == "__main__":
    main()
