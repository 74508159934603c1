#include "fuzz_support.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "svertka/builder.h"

namespace svertka::fuzz {
namespace {

namespace fs = std::filesystem;

// The folder of this process's inputs, removed when the process exits normally.
class InputFolder {
 public:
  InputFolder()
      : path_(fs::temp_directory_path() / ("svertka-fuzz-" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~InputFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

std::string write_input(std::string_view bytes, const std::string& name) {
  static const InputFolder folder;
  const fs::path path = folder.path() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  return write_input(std::string_view(reinterpret_cast<const char*>(data), size), name);
}

NetSpec tiny_spec(int64_t batch) {
  NetBuilder b("tiny");
  std::string x = b.input("data", Shape{batch, 1, 4, 4});
  x = b.conv("conv1", x, Conv(2, 3));  // (N,2,2,2)
  x = b.relu("relu1", x);
  b.fc("ip", x, Fc(3));  // (N,3)
  return b.build();
}

}  // namespace svertka::fuzz
