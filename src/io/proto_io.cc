#include "io/proto_io.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <limits>
#include <sstream>

#include "svertka/error.h"
#include "svertka/io/atomic_file.h"

namespace svertka::proto_io {
namespace {

class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (!has_error_) line_ = line, column_ = column, message_ = message, has_error_ = true;
  }
  void AddWarning(int, int, const std::string&) override {}
  bool has_error_ = false;
  int line_ = 0, column_ = 0;
  std::string message_;
};

// The name of the `layer {` / `layers {` block around 0-based `line`, or "".
std::string enclosing_layer(const std::string& text, int line) {
  std::istringstream in(text);
  std::string row, name;
  int depth = 0, layer_depth = -1;
  for (int i = 0; i <= line && std::getline(in, row); ++i) {
    const size_t comment = row.find('#');
    if (comment != std::string::npos) row.resize(comment);
    const size_t start = row.find_first_not_of(" \t");
    const std::string trimmed = start == std::string::npos ? "" : row.substr(start);
    if (depth == 0 && (trimmed.rfind("layer", 0) == 0)) layer_depth = 1, name.clear();
    if (layer_depth == 1 && depth == 1 && trimmed.rfind("name:", 0) == 0) {
      const size_t q1 = trimmed.find('"'), q2 = trimmed.rfind('"');
      if (q1 != std::string::npos && q2 > q1) name = trimmed.substr(q1 + 1, q2 - q1 - 1);
    }
    for (char c : row) depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    if (depth == 0 && i < line) layer_depth = -1, name.clear();
  }
  return layer_depth == 1 ? name : "";
}

}  // namespace

void parse_text(const std::string& path, google::protobuf::Message& message) {
  const std::string text = read_file(path);
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (parser.ParseFromString(text, &message)) return;
  std::string where =
      path + ":" + std::to_string(errors.line_ + 1) + ":" + std::to_string(errors.column_ + 1);
  const std::string layer = enclosing_layer(text, errors.line_);
  std::string message_text =
      errors.has_error_ ? errors.message_ : "not a valid text " + message.GetTypeName();
  throw IoError(where + ": " + message_text + (layer.empty() ? "" : " (in layer '" + layer + "')") +
                "; svertka reads only the fields of the layers it supports");
}

void parse_binary(const std::string& path, google::protobuf::Message& message) {
  const std::string bytes = read_file(path);
  if (bytes.size() > size_t(std::numeric_limits<int>::max()))
    throw IoError(path + " is larger than the 2 GiB protobuf limit");
  if (!message.ParseFromString(bytes))
    throw IoError(path + " is not a valid binary " + message.GetTypeName() +
                  " (truncated or another format)");
}

void write_text(const std::string& path, const google::protobuf::Message& message) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(message, &text))
    throw IoError("cannot format " + message.GetTypeName() + " for " + path);
  write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

void write_binary(const std::string& path, const google::protobuf::Message& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes))
    throw IoError("cannot serialise " + message.GetTypeName() + " for " + path);
  write_file_atomically(path, [&](std::ostream& out) { out << bytes; });
}

}  // namespace svertka::proto_io
