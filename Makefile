# The two commands: `make demo` and `make test`. Each installs what is missing, builds, and runs.
JOBS ?= $(shell nproc)
BUILD ?= build
# NATIVE=1 builds for this processor only (-march=native); WERROR=1 makes warnings errors (CI).
NATIVE ?= 0
WERROR ?= 0
CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Release \
               -DSVERTKA_NATIVE=$(if $(filter 1,$(NATIVE)),ON,OFF) \
               -DSVERTKA_WERROR=$(if $(filter 1,$(WERROR)),ON,OFF)

BUILD_DEPS := g++ cmake make pkg-config libdnnl-dev libgtest-dev libgmock-dev libbenchmark-dev \
              libcli11-dev nlohmann-json3-dev libfmt-dev zlib1g-dev \
              libopencv-dev libjpeg62-turbo-dev libprotobuf-dev protobuf-compiler \
              libopenmpi-dev openmpi-bin liblinear-dev libtinyxml2-dev libtomlplusplus-dev
DEMO_DEPS := dataset-fashion-mnist
# PyTorch with an optimised BLAS: with the reference one its fully connected layers crawl.
GOLDEN_DEPS := python3-torch python3-torchvision python3-numpy python3-onnx libopenblas0-pthread

.PHONY: all deps build test demo bench golden golden-onnx clean

all: build

deps:
	@scripts/install-deps.sh $(BUILD_DEPS)

build: deps
	@mkdir -p $(BUILD) && cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > $(BUILD)/configure.log 2>&1 \
	  || (cat $(BUILD)/configure.log; exit 1)
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

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
