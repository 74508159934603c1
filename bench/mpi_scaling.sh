#!/bin/sh
# Data-parallel scaling on this machine: training images/s on 1 and 2 ranks (one thread each) and
# the time to average AlexNet's, VGG-16's and GoogLeNet's gradients across 2 ranks per iteration.
# usage: bench/mpi_scaling.sh [BUILD_DIR] [MODEL] [BATCH_PER_RANK] [ITERATIONS]
set -eu
build=${1:-build}
model=${2:-alexnet_small}
batch=${3:-32}
iterations=${4:-20}
bench="$(cd "$build" && pwd)/bench/svertka_mpi_bench"  # mpirun wants an absolute path
# As root Open MPI wants --allow-run-as-root; --oversubscribe allows more ranks than free cores.
mpirun="mpirun --oversubscribe --allow-run-as-root --bind-to none -x OMP_NUM_THREADS=1"
for ranks in 1 2; do
  $mpirun -np "$ranks" "$bench" train "$model" "$batch" "$iterations"
done
$mpirun -np 2 "$bench" allreduce alexnet vgg16 googlenet
