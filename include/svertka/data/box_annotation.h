// Box datasets: images with a label and one or more ground-truth boxes each, from
//   a list file   "path label x1 y1 x2 y2 [x1 y1 x2 y2 ...]" per line (boxes as in box.h: pixels of
//                 the original image, x2/y2 exclusive); '#' lines and blank lines are skipped
//   PASCAL VOC / ImageNet XML annotations, one file per image:
//     <annotation><filename>000005.jpg</filename><size><width>500</width><height>375</height>
//     </size><object><name>chair</name><bndbox><xmin>263</xmin><ymin>211</ymin><xmax>324</xmax>
//     <ymax>339</ymax></bndbox></object>...</annotation>
//   with 1-based inclusive pixel coordinates (x1 = xmin - 1, x2 = xmax). ImageNet's files name the
//   image without extension (n01440764_10026): ".JPEG" is appended.
// The image's label is its first object's class; only that class's boxes are kept as its ground truth
// (ImageNet's localisation task, one class per image).
#pragma once

#include <string>
#include <vector>

#include "svertka/data/box.h"
#include "svertka/data/image_list.h"

namespace svertka {

struct BoxList {
  ImageList images;
  std::vector<std::vector<Box>> boxes;  // per entry of images, at least one
  int64_t size() const { return images.size(); }
};

// DataError naming file and line for a line without a label and at least one whole box, a box that
// is empty or has negative coordinates, or a label out of range (num_classes > 0).
BoxList read_box_list(const std::string& list_path, const std::string& root = {},
                      int64_t num_classes = 0);

struct VocObject {
  std::string name;
  Box box;  // converted to box.h's convention
};

struct VocAnnotation {
  std::string filename;  // as written, with ".JPEG" appended when it has no extension
  int64_t width = 0, height = 0;
  std::vector<VocObject> objects;
};

// Parses one XML file. IoError naming the file and line for malformed XML; DataError naming the file
// for a missing <annotation>, <filename>, <size>, <bndbox> or coordinate, a non-numeric value, no
// object, or a box outside the image.
VocAnnotation read_voc_annotation(const std::string& xml_path);

// Every *.xml file of `annotations_dir`, sorted; images in `images_dir`. Labels index `classes`
// (an object of another class is a DataError); empty `classes`: the object names found, sorted.
BoxList read_voc_folder(const std::string& annotations_dir, const std::string& images_dir,
                        std::vector<std::string> classes = {});

}  // namespace svertka
