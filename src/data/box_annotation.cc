#include "svertka/data/box_annotation.h"

#include <tinyxml2.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "svertka/data/image_decode.h"
#include "svertka/error.h"

namespace svertka {
namespace {

namespace fs = std::filesystem;

std::string joined(const std::string& root, const std::string& path) {
  if (path.empty() || path[0] == '/' || root.empty()) return path;
  return (fs::path(root) / path).string();
}

const tinyxml2::XMLElement& child(const tinyxml2::XMLElement& parent, const char* name,
                                  const std::string& path) {
  const tinyxml2::XMLElement* e = parent.FirstChildElement(name);
  if (!e)
    throw DataError(path + ":" + std::to_string(parent.GetLineNum()) + ": <" + parent.Name() +
                    "> has no <" + name + ">");
  return *e;
}

std::string text_of(const tinyxml2::XMLElement& e) { return e.GetText() ? e.GetText() : ""; }

double number(const tinyxml2::XMLElement& parent, const char* name, const std::string& path) {
  const tinyxml2::XMLElement& e = child(parent, name, path);
  const std::string text = text_of(e);
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw DataError(path + ":" + std::to_string(e.GetLineNum()) + ": <" + name + "> is '" + text +
                  "', not a number");
}

// The image side <name> of <size>: a whole number of pixels that an image can have (a side of
// more than kMaxImagePixels cannot be decoded), checked before it becomes an integer.
int64_t image_side(const tinyxml2::XMLElement& size, const char* name, const std::string& path) {
  const double v = number(size, name, path);
  if (!(v >= 1 && v <= double(kMaxImagePixels)) || v != std::floor(v))
    throw DataError(path + ":" + std::to_string(child(size, name, path).GetLineNum()) + ": <" +
                    name + "> is " + text_of(child(size, name, path)).substr(0, 40) +
                    ", not a whole number of pixels from 1 to " + std::to_string(kMaxImagePixels));
  return static_cast<int64_t>(v);
}

}  // namespace

BoxList read_box_list(const std::string& list_path, const std::string& root,
                      int64_t num_classes) {
  std::ifstream in(list_path);
  if (!in) throw IoError("cannot open box list " + list_path);
  const std::string base = root.empty() ? fs::path(list_path).parent_path().string() : root;
  BoxList list;
  list.images.source = list_path;
  int64_t max_label = -1;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    const std::string origin = list_path + ":" + std::to_string(number);
    std::istringstream ss(line);
    std::string path;
    if (!(ss >> path) || path[0] == '#') continue;
    int64_t label = -1;
    if (!(ss >> label) || label < 0)
      throw DataError(origin + ": expected 'path label x1 y1 x2 y2', the label is missing or negative");
    if (num_classes > 0 && label >= num_classes)
      throw DataError(origin + ": label " + std::to_string(label) + " is out of range for " +
                      std::to_string(num_classes) + " classes");
    std::vector<double> v;
    for (double x; ss >> x;) v.push_back(x);
    if (!ss.eof())
      throw DataError(origin + ": a box coordinate is not a number");
    if (v.empty() || v.size() % 4 != 0)
      throw DataError(origin + ": expected 'path label x1 y1 x2 y2 [x1 y1 x2 y2 ...]', got " +
                      std::to_string(v.size()) + " coordinates");
    std::vector<Box> boxes;
    for (size_t i = 0; i < v.size(); i += 4) {
      const Box b{v[i], v[i + 1], v[i + 2], v[i + 3]};
      if (!(b.x1 >= 0 && b.y1 >= 0 && b.x1 < b.x2 && b.y1 < b.y2))
        throw DataError(origin + ": box (" + std::to_string(b.x1) + ", " + std::to_string(b.y1) +
                        ", " + std::to_string(b.x2) + ", " + std::to_string(b.y2) +
                        ") is empty or has negative coordinates");
      boxes.push_back(b);
    }
    list.images.entries.push_back({joined(base, path), label, origin});
    list.boxes.push_back(std::move(boxes));
    max_label = std::max(max_label, label);
  }
  list.images.num_classes = num_classes > 0 ? num_classes : max_label + 1;
  return list;
}

VocAnnotation read_voc_annotation(const std::string& xml_path) {
  tinyxml2::XMLDocument doc;
  if (doc.LoadFile(xml_path.c_str()) != tinyxml2::XML_SUCCESS) {
    if (doc.ErrorID() == tinyxml2::XML_ERROR_FILE_NOT_FOUND ||
        doc.ErrorID() == tinyxml2::XML_ERROR_FILE_COULD_NOT_BE_OPENED)
      throw IoError("cannot open annotation " + xml_path);
    throw IoError(xml_path + ":" + std::to_string(doc.ErrorLineNum()) + ": malformed XML (" +
                  doc.ErrorName() + ")");
  }
  const tinyxml2::XMLElement* root = doc.FirstChildElement("annotation");
  if (!root) throw DataError(xml_path + ": no <annotation> element");
  VocAnnotation a;
  a.filename = text_of(child(*root, "filename", xml_path));
  if (a.filename.empty()) throw DataError(xml_path + ": <filename> is empty");
  if (fs::path(a.filename).extension().empty()) a.filename += ".JPEG";
  const tinyxml2::XMLElement& size = child(*root, "size", xml_path);
  a.width = image_side(size, "width", xml_path);
  a.height = image_side(size, "height", xml_path);
  for (const tinyxml2::XMLElement* o = root->FirstChildElement("object"); o;
       o = o->NextSiblingElement("object")) {
    const tinyxml2::XMLElement& bb = child(*o, "bndbox", xml_path);
    VocObject obj{text_of(child(*o, "name", xml_path)),
                  Box{number(bb, "xmin", xml_path) - 1, number(bb, "ymin", xml_path) - 1,
                      number(bb, "xmax", xml_path), number(bb, "ymax", xml_path)}};
    check_box(obj.box, a.width, a.height,
              xml_path + ":" + std::to_string(bb.GetLineNum()) + " (object '" + obj.name + "')");
    a.objects.push_back(std::move(obj));
  }
  if (a.objects.empty()) throw DataError(xml_path + ": no <object>");
  return a;
}

BoxList read_voc_folder(const std::string& annotations_dir, const std::string& images_dir,
                        std::vector<std::string> classes) {
  std::error_code error;
  if (!fs::is_directory(annotations_dir, error))
    throw IoError("annotation folder " + annotations_dir + " does not exist");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(annotations_dir))
    if (e.path().extension() == ".xml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw DataError("annotation folder " + annotations_dir + " has no .xml files");
  std::vector<VocAnnotation> annotations;
  for (const std::string& f : files) annotations.push_back(read_voc_annotation(f));
  if (classes.empty()) {
    std::set<std::string> names;
    for (const VocAnnotation& a : annotations) names.insert(a.objects.front().name);
    classes.assign(names.begin(), names.end());
  }
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < classes.size(); ++i) index[classes[i]] = int64_t(i);
  BoxList list;
  list.images.source = annotations_dir;
  list.images.class_names = classes;
  list.images.num_classes = int64_t(classes.size());
  for (size_t k = 0; k < annotations.size(); ++k) {
    const VocAnnotation& a = annotations[k];
    const std::string& name = a.objects.front().name;
    const auto it = index.find(name);
    if (it == index.end())
      throw DataError(files[k] + ": class '" + name + "' is not in the class list");
    std::vector<Box> boxes;
    for (const VocObject& o : a.objects)
      if (o.name == name) boxes.push_back(o.box);
    list.images.entries.push_back({joined(images_dir, a.filename), it->second, files[k]});
    list.boxes.push_back(std::move(boxes));
  }
  return list;
}

}  // namespace svertka
