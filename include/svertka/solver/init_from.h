// Starting a net from another one's trained weights, matched by parameter name
// ("conv1_1.weight"): VGG's deeper configurations initialised from a trained configuration A
// (Simonyan & Zisserman 2014, section 3.1: its first four convolutional layers and last three
// fully connected ones), and fine-tuning any model from a checkpoint whose names and shapes match.
#pragma once

#include <string>
#include <vector>

#include "svertka/io/safetensors.h"
#include "svertka/net.h"

namespace svertka {

struct InitFromReport {
  std::string source;               // the file read
  std::vector<std::string> copied;  // parameter names, in the net's order
  struct Skipped {
    std::string name, reason;
  };
  std::vector<Skipped> skipped;  // left at their initial values, and why
};

// Copies parameters of `source` into `net`, bitwise (empty names in `layers` are ignored). With
// `layers` empty: every parameter that `source` holds under the same name with the same shape; the
// others are skipped with the reason (absent, or both shapes). With `layers`: the parameters of
// exactly those layers; ParamError if a named layer has no parameters in `net`, or one of them is
// absent from `source` or differs in shape; every other parameter is skipped as not named. Tensors
// of `source` that are not parameters of `net` (a checkpoint's momentum, a replaced classifier) are
// ignored.
InitFromReport init_params_from(Net& net, const SafetensorsContents& source,
                                const std::vector<std::string>& layers = {});

// The weights of a run directory (its weights.safetensors, else its checkpoint.safetensors), or
// `run_or_weights` itself when it is a file. NotFoundError when neither exists.
std::string resolve_weights_path(const std::string& run_or_weights);

}  // namespace svertka
