// Typed errors. The library throws; only the CLI prints and exits.
#pragma once

#include <stdexcept>
#include <string>

namespace svertka {

// Base of every error svertka throws. what() is a complete sentence naming what and where.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An op or layer was given parameters it cannot work with (zero stride, groups not dividing C...).
class ParamError : public Error {
 public:
  using Error::Error;
};

// Tensor shapes do not fit together (wrong rank, mismatched sizes, kernel larger than input).
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A file is missing, unreadable, truncated or not in the expected format.
class IoError : public Error {
 public:
  using Error::Error;
};

// Input data is invalid (corrupt image, label out of range, non-finite loss).
class DataError : public Error {
 public:
  using Error::Error;
};

// A result that is not finite (NaN or Inf in scores or a loss): weights that hold such numbers or
// a training that diverged. Never counted as a result.
class NotFiniteError : public DataError {
 public:
  using DataError::DataError;
};

// A name lookup failed: unknown model, layer, blob or backend.
class NotFoundError : public Error {
 public:
  using Error::Error;
};

// A backend library (oneDNN, MPI, CUDA) reported a failure.
class BackendError : public Error {
 public:
  using Error::Error;
};

// Memory ran out: a tensor larger than this machine can allocate (a model or data file asking for
// too much).
class ResourceError : public Error {
 public:
  using Error::Error;
};

}  // namespace svertka
