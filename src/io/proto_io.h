// Reading and writing protobuf messages as files, with errors that name the file and position.
#pragma once

#include <google/protobuf/message.h>

#include <string>

namespace svertka::proto_io {

// Parses protobuf text format. A field the message lacks (one svertka does not support) or a syntax
// error throws IoError "<path>:<line>:<column>: <parser message>", plus "(in layer '<name>')" when
// the position lies inside a `layer {}` / `layers {}` block.
void parse_text(const std::string& path, google::protobuf::Message& message);
void parse_binary(const std::string& path, google::protobuf::Message& message);

void write_text(const std::string& path, const google::protobuf::Message& message);
void write_binary(const std::string& path, const google::protobuf::Message& message);

}  // namespace svertka::proto_io
