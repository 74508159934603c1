# The two commands: `make demo` and `make test`. Each installs what is missing, builds, and runs.
# Checks beyond them: `make test-asan` (the tests under ASan + UBSan) and `make fuzz` (libFuzzer).
JOBS ?= $(shell nproc)
BUILD ?= build
# NATIVE=1 builds for this processor only (-march=native); WERROR=1 makes warnings errors (CI).
NATIVE ?= 0
WERROR ?= 0
CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Release \
               -DSVERTKA_NATIVE=$(if $(filter 1,$(NATIVE)),ON,OFF) \
               -DSVERTKA_WERROR=$(if $(filter 1,$(WERROR)),ON,OFF)

# python3-lmdb, python3-protobuf: tests/unit/caffe_lmdb_test reads LMDBs that Python writes.
BUILD_DEPS := g++ cmake make pkg-config libdnnl-dev libgtest-dev libgmock-dev libbenchmark-dev \
              libcli11-dev nlohmann-json3-dev libfmt-dev zlib1g-dev \
              libopencv-dev libjpeg62-turbo-dev libprotobuf-dev protobuf-compiler \
              libopenmpi-dev openmpi-bin liblinear-dev libtinyxml2-dev libtomlplusplus-dev liblmdb-dev \
              python3-lmdb python3-protobuf \
              python3-dev pybind11-dev python3-pybind11 python3-numpy python3-pytest python3-venv
DEMO_DEPS := dataset-fashion-mnist
# PyTorch with an optimised BLAS: with the reference one its fully connected layers crawl.
GOLDEN_DEPS := python3-torch python3-torchvision python3-numpy python3-onnx libopenblas0-pthread

FUZZ_DEPS := clang-14
# make fuzz FUZZ_SECONDS=N [FUZZ_RUNS=M]: each harness runs N seconds, or M executions if that
# comes first (tests/fuzz/run_fuzzers.sh). Issue 18's runs: FUZZ_SECONDS=3600 FUZZ_RUNS=1000000.
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
FUZZ_READERS := idx safetensors checkpoint npy prototxt caffemodel solverstate onnx recipe image_list \
                box_list voc_xml image_decode datum
ASAN_BUILD ?= build-asan
# Not under the sanitizers: the installed package is linked by programs built without them, the
# portability check reads the instructions of a plain build, and a Python interpreter loads the
# sanitized module only with libasan preloaded (the module's code is the library's, which the C++
# suites cover).
ASAN_SKIP := Install\.|Build\.PortableByDefault|Python\.Pytest

.PHONY: all deps build test test-asan fuzz demo bench golden golden-onnx clean

all: build

deps:
	@scripts/install-deps.sh $(BUILD_DEPS)

build: deps
	@mkdir -p $(BUILD) && cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > $(BUILD)/configure.log 2>&1 \
	  || (cat $(BUILD)/configure.log; exit 1)
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite built with -fsanitize=address,undefined (CMake option SVERTKA_SANITIZE): a
# sanitizer report fails its test. An allocation too large to make returns null, as without the
# sanitizers (the hostile-size tests expect std::bad_alloc, not ASan's abort).
test-asan: deps
	@mkdir -p $(ASAN_BUILD) && cmake -S . -B $(ASAN_BUILD) $(CMAKE_FLAGS) -DSVERTKA_SANITIZE=ON \
	  -DSVERTKA_BUILD_BENCH=OFF > $(ASAN_BUILD)/configure.log 2>&1 \
	  || (cat $(ASAN_BUILD)/configure.log; exit 1)
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -E '$(ASAN_SKIP)'

# libFuzzer harnesses of every reader (tests/fuzz), built with clang 14 under ASan + UBSan, each
# run FUZZ_SECONDS on its corpus; findings in $(FUZZ_BUILD)/fuzz-findings/.
fuzz: deps
	@scripts/install-deps.sh $(FUZZ_DEPS)
	@mkdir -p $(FUZZ_BUILD) && cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DSVERTKA_FUZZ=ON -DSVERTKA_BUILD_TESTS=OFF \
	  -DSVERTKA_BUILD_BENCH=OFF -DSVERTKA_WITH_MPI=OFF > $(FUZZ_BUILD)/configure.log 2>&1 \
	  || (cat $(FUZZ_BUILD)/configure.log; exit 1)
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_READERS))
	FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_READERS)

demo: build
	@scripts/install-deps.sh $(DEMO_DEPS)
	scripts/demo.sh $(BUILD)

bench: build
	$(BUILD)/bench/svertka_op_bench --benchmark_min_time=0.05

golden: build
	@scripts/install-deps.sh $(GOLDEN_DEPS)
	scripts/golden.sh $(BUILD)

# torchvision vgg11/alexnet exported to ONNX (tools/onnx_golden.py), compared with svertka's logits.
golden-onnx: build
	@scripts/install-deps.sh $(GOLDEN_DEPS)
	/usr/bin/python3 bench/torch_env.py
	/usr/bin/python3 tools/onnx_golden.py --out $(BUILD)/onnx-golden
	SVERTKA_ONNX_GOLDEN_DIR=$(abspath $(BUILD))/onnx-golden $(BUILD)/tests/onnx_interop_test --gtest_filter=OnnxTorchvision.*

clean:
	rm -rf $(BUILD)
