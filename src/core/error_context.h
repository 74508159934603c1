// Errors from reading one part of a model file (an ONNX node, a Caffe layer, its blobs) name the
// file and the part, whatever threw them: an op's own ShapeError or ParamError keeps its type and
// gains the context; a standard exception (out_of_range, length_error) becomes an IoError and
// bad_alloc a ResourceError.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "svertka/error.h"

namespace svertka::error_context {

// Throws the type of `e` (a svertka::Error) with `message`.
[[noreturn]] inline void rethrow_as(const Error& e, const std::string& message) {
  if (dynamic_cast<const ParamError*>(&e)) throw ParamError(message);
  if (dynamic_cast<const ShapeError*>(&e)) throw ShapeError(message);
  if (dynamic_cast<const IoError*>(&e)) throw IoError(message);
  if (dynamic_cast<const DataError*>(&e)) throw DataError(message);
  if (dynamic_cast<const NotFoundError*>(&e)) throw NotFoundError(message);
  if (dynamic_cast<const BackendError*>(&e)) throw BackendError(message);
  if (dynamic_cast<const ResourceError*>(&e)) throw ResourceError(message);
  throw Error(message);
}

// Runs `call`; an error whose message does not already start with `file` is rethrown with
// `prefix` (which starts with `file`) before its message.
template <class Call>
void with_context(const std::string& file, const std::string& prefix, Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.rfind(file, 0) == 0) throw;
    rethrow_as(e, prefix + message);
  } catch (const std::bad_alloc&) {
    throw ResourceError(prefix + "out of memory");
  } catch (const std::exception& e) {
    throw IoError(prefix + e.what());
  }
}

}  // namespace svertka::error_context
