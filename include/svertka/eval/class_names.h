// Readable class names for predictions, as Caffe's classification example prints them: each
// non-blank line of a synset_words.txt is one class, in label order, the whole line its name
// ("n01440764 tench, Tinca tinca"); a plain class list (one wnid or word a line) gives its names.
#pragma once

#include <string>
#include <vector>

namespace svertka {

// The lines, trimmed, blank ones skipped. IoError naming the file when it cannot be read,
// DataError when it names no class or a class (its first word) twice, naming both lines.
std::vector<std::string> read_class_names(const std::string& path);

}  // namespace svertka
