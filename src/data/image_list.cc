#include "svertka/data/image_list.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "svertka/error.h"

namespace svertka {
namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

std::vector<std::string> sorted_subfolders(const fs::path& root) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(root, error))
    if (entry.is_directory(error)) names.push_back(entry.path().filename().string());
  if (error) throw IoError("cannot list image folder '" + root.string() + "': " + error.message());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> sorted_images(const fs::path& folder) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (entry.is_regular_file(error) && is_image_name(entry.path()))
      files.push_back(entry.path().string());
  if (error)
    throw IoError("cannot list class folder '" + folder.string() + "': " + error.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::ifstream open_text(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw IoError(std::string("cannot open ") + what + " '" + path + "'");
  return in;
}

}  // namespace

std::vector<std::string> read_class_list(const std::string& path) {
  std::ifstream in = open_text(path, "class list");
  std::vector<std::string> classes;
  std::map<std::string, int64_t> first_line;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    const auto [it, inserted] = first_line.emplace(name, number);
    if (!inserted)
      throw DataError("class list '" + path + "', line " + std::to_string(number) + ": class '" +
                      name + "' is listed twice (first on line " + std::to_string(it->second) +
                      ")");
    classes.push_back(name);
  }
  if (classes.empty()) throw DataError("class list '" + path + "' lists no classes");
  return classes;
}

ImageList list_image_folder(const std::string& root, const std::vector<std::string>& classes) {
  std::error_code error;
  if (!fs::is_directory(root, error))
    throw IoError("image folder '" + root + "' does not exist or is not a directory");
  const std::vector<std::string> folders = sorted_subfolders(root);
  if (folders.empty())
    throw DataError("image folder '" + root +
                    "' has no class folders; expected root/<class>/*.jpg (ImageNet's layout)");
  ImageList list;
  list.source = root;
  list.class_names = classes.empty() ? folders : classes;
  std::map<std::string, int64_t> label_of;
  for (size_t i = 0; i < list.class_names.size(); ++i)
    label_of[list.class_names[i]] = static_cast<int64_t>(i);
  for (const std::string& folder : folders) {
    const auto it = label_of.find(folder);
    if (it == label_of.end())
      throw DataError("image folder '" + root + "': class folder '" + folder +
                      "' is not in the class list of " + std::to_string(classes.size()) +
                      " classes");
    const fs::path dir = fs::path(root) / folder;
    const std::vector<std::string> files = sorted_images(dir);
    if (files.empty())
      throw DataError("class folder '" + dir.string() +
                      "' holds no images (.jpg, .jpeg or .png); remove it or add its images");
    for (const std::string& file : files) list.entries.push_back({file, it->second, dir.string()});
  }
  // Entries in label order, whatever the order of the folders on disk.
  std::stable_sort(list.entries.begin(), list.entries.end(),
                   [](const ImageEntry& a, const ImageEntry& b) { return a.label < b.label; });
  list.num_classes = static_cast<int64_t>(list.class_names.size());
  return list;
}

ImageList read_image_list(const std::string& list_path, const std::string& root,
                          int64_t num_classes) {
  std::ifstream in = open_text(list_path, "image list");
  const fs::path base = root.empty() ? fs::path(list_path).parent_path() : fs::path(root);
  ImageList list;
  list.source = list_path;
  int64_t largest = -1;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    std::string path, label_text;
    if (!(words >> path) || path[0] == '#') continue;
    const std::string where = list_path + ":" + std::to_string(number);
    if (!(words >> label_text))
      throw DataError("image list '" + list_path + "', line " + std::to_string(number) +
                      ": expected 'path label', found only '" + path + "'");
    int64_t label = 0;
    size_t used = 0;
    try {
      label = std::stoll(label_text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != label_text.size())
      throw DataError("image list '" + list_path + "', line " + std::to_string(number) +
                      ": label '" + label_text + "' is not an integer");
    if (label < 0 || (num_classes > 0 && label >= num_classes))
      throw DataError("image list '" + list_path + "', line " + std::to_string(number) +
                      ": label " + std::to_string(label) + " is out of range 0.." +
                      (num_classes > 0 ? std::to_string(num_classes - 1) : std::string("")) +
                      (num_classes > 0 ? " for " + std::to_string(num_classes) + " classes" : ""));
    if (label >= kMaxClasses)
      throw DataError("image list '" + list_path + "', line " + std::to_string(number) +
                      ": label " + std::to_string(label) + " would need a model of more than " +
                      std::to_string(kMaxClasses) + " classes (the most svertka allows)");
    largest = std::max(largest, label);
    const fs::path file = fs::path(path).is_absolute() ? fs::path(path) : base / path;
    list.entries.push_back({file.string(), label, where});
  }
  if (list.entries.empty()) throw DataError("image list '" + list_path + "' lists no images");
  list.num_classes = num_classes > 0 ? num_classes : largest + 1;
  return list;
}

}  // namespace svertka
