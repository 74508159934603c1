// The two ways oneDNN 2.6 offers bf16, side by side on AlexNet's conv2 (forward and backward
// weights, groups ignored) and fc6 (forward), batch 32: f32 primitives, f32 primitives with
// fpmath_mode::bf16 (implicit down-conversion allowed), and bf16 memory descriptors. Prints the
// implementation oneDNN picked and the median time of 5 runs; docs/BENCHMARKS.md ("Low precision:
// bf16") has this machine's figures. Not part of the build (it needs nothing of svertka):
//   g++ -O2 -std=c++17 bench/dnnl_bf16_modes.cc -ldnnl -o /tmp/dnnl_bf16_modes
//   OMP_NUM_THREADS=2 /tmp/dnnl_bf16_modes
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <dnnl.hpp>
#include <vector>

using namespace dnnl;
using dt = memory::data_type;
using tag = memory::format_tag;

namespace {

const char* kModes[] = {"f32", "f32 + fpmath_mode::bf16", "bf16 descriptors"};

primitive_attr attr_for(int mode) {
  primitive_attr attr;
  if (mode == 1) attr.set_fpmath_mode(fpmath_mode::bf16);
  return attr;
}

template <class Run>
double median_ms(Run run, stream& s) {
  run();
  s.wait();
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    s.wait();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[2];
}

void conv2(engine& eng, stream& s, int mode) {
  const dt d = mode == 2 ? dt::bf16 : dt::f32;
  const memory::dims x{32, 96, 27, 27}, w{256, 96, 5, 5}, y{32, 256, 27, 27}, st{1, 1}, p{2, 2};
  const auto attr = attr_for(mode);
  const convolution_forward::primitive_desc fwd(
      {prop_kind::forward_training, algorithm::convolution_direct, {x, d, tag::any},
       {w, d, tag::any}, {}, {y, dt::f32, tag::any}, st, p, p},
      attr, eng);
  const convolution_backward_weights::primitive_desc bwd(
      {algorithm::convolution_direct, {x, d, tag::any}, {w, dt::f32, tag::any}, {},
       {y, d, tag::any}, st, p, p},
      attr, eng, fwd);
  memory X(fwd.src_desc(), eng), W(fwd.weights_desc(), eng), Y(fwd.dst_desc(), eng);
  memory DY(bwd.diff_dst_desc(), eng), DW(bwd.diff_weights_desc(), eng);
  convolution_forward f(fwd);
  convolution_backward_weights b(bwd);
  const double f_ms = median_ms(
      [&] { f.execute(s, {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, W}, {DNNL_ARG_DST, Y}}); }, s);
  const double b_ms = median_ms(
      [&] {
        b.execute(s, {{DNNL_ARG_SRC, X}, {DNNL_ARG_DIFF_DST, DY}, {DNNL_ARG_DIFF_WEIGHTS, DW}});
      },
      s);
  std::printf("conv2 %-24s forward %-28s %7.1f ms   backward weights %-28s %7.1f ms\n",
              kModes[mode], fwd.impl_info_str(), f_ms, bwd.impl_info_str(), b_ms);
}

void fc6(engine& eng, stream& s, int mode) {
  const dt d = mode == 2 ? dt::bf16 : dt::f32;
  const memory::dims x{32, 9216}, w{4096, 9216}, y{32, 4096};
  const inner_product_forward::primitive_desc fwd(
      {prop_kind::forward_training, {x, d, tag::any}, {w, d, tag::any}, {},
       {y, dt::f32, tag::any}},
      attr_for(mode), eng);
  memory X(fwd.src_desc(), eng), W(fwd.weights_desc(), eng), Y(fwd.dst_desc(), eng);
  inner_product_forward f(fwd);
  const double ms = median_ms(
      [&] { f.execute(s, {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, W}, {DNNL_ARG_DST, Y}}); }, s);
  std::printf("fc6   %-24s forward %-28s %7.1f ms\n", kModes[mode], fwd.impl_info_str(), ms);
}

}  // namespace

int main() {
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  for (int mode = 0; mode < 3; ++mode) {
    try {
      conv2(eng, s, mode);
      fc6(eng, s, mode);
    } catch (const dnnl::error& e) {
      std::printf("%-24s: no implementation on this processor (%s)\n", kModes[mode], e.what());
    }
  }
}
