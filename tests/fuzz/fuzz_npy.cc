// .npy feature files (FILE.npy, features <f4 (N,D); FILE.labels.npy, labels <i8 (N)). The first
// byte chooses which of the two the rest of the input is; the other is a valid file of 2 rows.
#include <string>

#include "fuzz_support.h"
#include "svertka/transfer/features.h"

namespace {

// A version 1.0 .npy file: magic, header length, header padded with spaces to a multiple of 64
// bytes, data.
std::string npy_file(const std::string& descr, const std::string& shape, size_t data_bytes) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header.resize((header.size() + 11 + 63) / 64 * 64 - 11, ' ');
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size());
  file += '\0';
  return file + header + std::string(data_bytes, '\0');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool fuzz_labels = data[0] & 1;
  const std::string features = fuzz::write_input(
      fuzz_labels ? std::string_view(npy_file("<f4", "(2, 3)", 2 * 3 * 4)) : input, "features.npy");
  fuzz::write_input(fuzz_labels ? input : std::string_view(npy_file("<i8", "(2,)", 2 * 8)),
                    "features.labels.npy");
  fuzz::expect_only_errors([&] { load_features(features); });
  return 0;
}
