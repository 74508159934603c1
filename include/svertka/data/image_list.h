// Labelled image datasets as lists of (path, label): an image folder (root/<class>/*.jpg, classes
// sorted by name or given by a class list such as synset_words.txt) or a Caffe-style list file
// ("relative/path label" per line, further columns ignored). Nothing is decoded here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace svertka {

// The most classes a dataset may have (ImageNet-21k has 21,841): a larger label in a list file is
// an error, not a model of that many classes.
inline constexpr int64_t kMaxClasses = 1000000;

struct ImageEntry {
  std::string path;  // as opened: root joined with the listed path
  int64_t label = 0;
  // Where the entry came from, for messages: "list.txt:12" or the class folder.
  std::string origin;
};

struct ImageList {
  std::vector<ImageEntry> entries;
  std::vector<std::string> class_names;  // index = label; empty for list files
  int64_t num_classes = 0;               // class_names.size(), or the largest label + 1
  std::string source;                    // the folder or list file, for messages
  int64_t size() const { return static_cast<int64_t>(entries.size()); }
};

// Reads a class list: one class per line, its first word the folder name (synset_words.txt:
// "n01440764 tench, Tinca tinca"); blank lines are skipped. IoError if unreadable, DataError
// naming file and line for a duplicate.
std::vector<std::string> read_class_list(const std::string& path);

// root/<class>/*.{jpg,jpeg,png} (any letter case), files sorted by name within each class.
// `classes` empty: every subfolder of root is a class, sorted by name. Otherwise label i is
// classes[i]; a subfolder not in it is a DataError. IoError if root is missing; DataError naming
// the folder for a class folder without images or a root without class folders.
ImageList list_image_folder(const std::string& root, const std::vector<std::string>& classes = {});

// A Caffe-style list: "path label [ignored...]" per line; blank lines and lines starting with '#'
// are skipped. Paths are relative to `root` (empty: the list file's folder) unless absolute.
// DataError naming file and line for a line that does not parse, a negative label or, when
// num_classes > 0, a label >= num_classes; num_classes 0 takes the largest label + 1. A label of
// kMaxClasses or more is a DataError either way (it would make a model of that many classes).
ImageList read_image_list(const std::string& list_path, const std::string& root = {},
                          int64_t num_classes = 0);

}  // namespace svertka
