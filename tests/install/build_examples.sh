#!/usr/bin/env bash
# The installed package as another project uses it: `cmake --install` the build into a fresh
# prefix, build examples/ against it with find_package(svertka), then check that
#   - zoo_forward, linked with svertka::core and svertka::dnnl only, runs and needs none of the
#     other components' libraries (protobuf, OpenCV, libjpeg, MPI, liblinear);
#   - classify gives the top 5 that `svertka predict` gives, for a zoo model with safetensors
#     weights and for the same weights as a Caffe prototxt + caffemodel.
# Usage: build_examples.sh BUILD_DIR SOURCE_DIR SVERTKA_BINARY
set -euo pipefail
build=$1 source=$2 svertka=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cmake --install "$build" --prefix "$dir/prefix" > "$dir/install.log"
cmake -S "$source/examples" -B "$dir/examples" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$dir/prefix" > "$dir/configure.log" \
  || { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir/examples" -j 2 > "$dir/build.log" || { cat "$dir/build.log"; exit 1; }

"$dir/examples/zoo_forward" alexnet_small
heavy=$(readelf -d "$dir/examples/zoo_forward" | grep NEEDED |
        grep -E 'protobuf|opencv|jpeg|mpi|linear|tinyxml' || true)
if [ -n "$heavy" ]; then
  echo "zoo_forward (core + dnnl) needs libraries of other components:"; echo "$heavy"; exit 1
fi

image=$source/tests/install/fixture.jpg
"$svertka" convert --from alexnet_small --seed 5 --out "$dir/w.safetensors" > /dev/null
"$svertka" convert --from alexnet_small --seed 5 --out "$dir/net.prototxt" > /dev/null
"$svertka" predict --model alexnet_small --weights "$dir/w.safetensors" "$image" |
  tail -n 5 | sed 's/ *$//' > "$dir/predict.txt"
"$dir/examples/classify" alexnet_small "$dir/w.safetensors" "$image" > "$dir/zoo.txt"
"$dir/examples/classify" "$dir/net.prototxt" "$dir/net.caffemodel" "$image" > "$dir/caffe.txt"
cat "$dir/zoo.txt"
diff "$dir/predict.txt" "$dir/zoo.txt" || { echo "classify differs from svertka predict"; exit 1; }
diff "$dir/zoo.txt" "$dir/caffe.txt" || { echo "classify: Caffe files differ from the zoo"; exit 1; }
echo "installed package: examples built and agree with svertka predict"
