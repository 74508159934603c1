// The safetensors format (github.com/huggingface/safetensors), which PyTorch and Hugging Face tools
// read: an 8-byte little-endian u64 header length N, N bytes of JSON (padded with spaces to a
// multiple of 8), then the raw little-endian tensor data. The header maps each tensor name to
//   {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}
// with offsets in bytes from the start of the data section, plus optional string-to-string
// "__metadata__". svertka reads and writes F32, and I8 for a quantized model's weight codes
// (svertka quantize, docs/QUANTIZATION.md), widened to float when read.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "svertka/tensor.h"

namespace svertka {

// How a tensor lies in the file. Tensors are float in memory whatever their type in the file.
enum class StoredType {
  kF32,
  kI8,  // integers in [-128, 127], one byte each
};

struct NamedTensor {
  std::string name;  // e.g. "conv1.weight"
  Tensor tensor;
  StoredType stored = StoredType::kF32;
};

// Writes `tensors` to `path` in the given order, atomically (see write_file_atomically).
// `metadata` becomes the header's "__metadata__". Throws ParamError for a duplicate, reserved
// ("__metadata__") or non-UTF-8 name or an undefined tensor, or a kI8 tensor holding a value that
// is not an integer in [-128, 127]; IoError if the file cannot be written.
void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsContents {
  std::vector<NamedTensor> tensors;  // in the order of their data in the file
  std::map<std::string, std::string> metadata;
  std::string path;  // the file read, for messages

  // The tensor called `name`; throws NotFoundError naming the file.
  const Tensor& at(const std::string& name) const;
  bool contains(const std::string& name) const;
};

// Reads and validates a whole file. Throws IoError naming `path` and what was wrong: a file too
// short for its header, invalid JSON, a dtype other than F32 and I8, a shape that does not match its
// offsets, offsets that overlap, leave gaps or run past the end of the file, or bytes that no
// tensor covers.
SafetensorsContents load_safetensors(const std::string& path);

// The shape of every tensor in `path`, from the header alone (no tensor data is read: cheap for a
// file of hundreds of megabytes); the same IoErrors as load_safetensors for a header it rejects.
std::map<std::string, Shape> read_safetensors_shapes(const std::string& path);

// The header's "__metadata__", from the header alone, with the same IoErrors.
std::map<std::string, std::string> read_safetensors_metadata(const std::string& path);

}  // namespace svertka
