// Boxes: IoU maths, how crops, flips and resizes move them, list and XML annotation parsing.
#include <gtest/gtest.h>

#include <fstream>

#include "image_test_helpers.h"
#include "svertka/data/box_annotation.h"
#include "svertka/data/box_source.h"
#include "svertka/error.h"
#include "svertka/eval/localization.h"

namespace svertka {
namespace {

using testing::TempDir;

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(Box, IouOfIdenticalDisjointAndHalfOverlappingBoxes) {
  const Box a{0, 0, 10, 10};
  EXPECT_DOUBLE_EQ(iou(a, a), 1.0);
  EXPECT_DOUBLE_EQ(iou(a, Box{20, 20, 30, 30}), 0.0);
  EXPECT_DOUBLE_EQ(iou(a, Box{5, 0, 15, 10}), 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(iou(a, Box{2, 2, 4, 4}), 4.0 / 100.0);
  EXPECT_DOUBLE_EQ(iou(a, Box{3, 3, 3, 8}), 0.0);  // empty
}

TEST(Box, FlipMirrorsAboutTheImageCentre) {
  const Box b = flip_box(Box{1, 2, 4, 6}, 10);
  EXPECT_DOUBLE_EQ(b.x1, 6);
  EXPECT_DOUBLE_EQ(b.x2, 9);
  EXPECT_DOUBLE_EQ(b.y1, 2);
  EXPECT_DOUBLE_EQ(b.y2, 6);
}

TEST(Box, CropShiftsAndClipsToTheWindow) {
  const Box b = crop_box(Box{5, 5, 30, 12}, 10, 4, 16, 16);
  EXPECT_DOUBLE_EQ(b.x1, 0);
  EXPECT_DOUBLE_EQ(b.y1, 1);
  EXPECT_DOUBLE_EQ(b.x2, 16);
  EXPECT_DOUBLE_EQ(b.y2, 8);
}

TEST(Box, TransformFollowsResizeCropAndFlipOfTheImage) {
  ImageTransformOptions t;
  t.resize = ResizeMode::kShorterSide;
  t.scale_min = t.scale_max = 50;
  t.crop = 40;
  // 100x200 (h x w) -> 50x100; centre crop at y0 = 5, x0 = 30; flip within the 40-px crop.
  SampleDraw draw{.scale = 50, .crop_y = 0.5, .crop_x = 0.5, .flip = true};
  const Box b = transform_box(Box{80, 20, 120, 60}, 100, 200, t, draw);
  // resized: (40, 10, 60, 30); cropped: (10, 5, 30, 25); flipped: (10, 5, 30, 25) mirrored.
  EXPECT_DOUBLE_EQ(b.x1, 40 - 30);
  EXPECT_DOUBLE_EQ(b.x2, 40 - 10);
  EXPECT_DOUBLE_EQ(b.y1, 5);
  EXPECT_DOUBLE_EQ(b.y2, 25);
}

// The box moves with the pixels: a white rectangle in a black image stays under the box.
TEST(Box, SourceMovesTheBoxWithThePixelsUnderFlipAndWarp) {
  TempDir dir;
  cv::Mat image(60, 80, CV_8UC3, cv::Scalar(0, 0, 0));
  image(cv::Rect(8, 20, 24, 30)).setTo(cv::Scalar(255, 255, 255));
  cv::imwrite(dir / "a.png", image);
  write(dir / "boxes.txt", "a.png 0 8 20 32 50\n");
  ImageSourceOptions o;
  o.transform.resize = ResizeMode::kWarp;
  o.transform.scale_min = o.transform.scale_max = 40;
  o.transform.crop = 40;
  o.transform.channel_mean = {};
  BoxBatchSource source(read_box_list(dir / "boxes.txt"), o);
  for (const bool augment : {false, true}) {
    Tensor images(Shape{1, 3, 40, 40}), labels(Shape{1}), targets(Shape{1, 4});
    std::vector<std::vector<Box>> truth;
    const int64_t index = 0;
    for (uint64_t epoch = 0; epoch < 4; ++epoch) {
      source.fill_boxes(std::span(&index, 1), augment, 3, epoch, images, labels, targets, &truth);
      const Box b = truth[0][0];
      EXPECT_NEAR(targets[0] * 40, b.x1, 1e-4);
      for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 40; ++x) {
          const bool inside = x >= b.x1 + 1 && x < b.x2 - 1 && y >= b.y1 + 1 && y < b.y2 - 1;
          const bool outside = x < b.x1 - 1 || x >= b.x2 + 1 || y < b.y1 - 1 || y >= b.y2 + 1;
          const float v = images[y * 40 + x];
          if (inside) {
            EXPECT_GT(v, 200) << x << "," << y;
          }
          if (outside) {
            EXPECT_LT(v, 50) << x << "," << y;
          }
        }
    }
  }
}

TEST(BoxList, ParsesBoxesAndRejectsMalformedLines) {
  TempDir dir;
  write(dir / "ok.txt", "# comment\na.png 1 0 0 5 5\nb.png 0 1 1 3 3 2 2 4 4\n");
  const BoxList list = read_box_list(dir / "ok.txt");
  ASSERT_EQ(list.size(), 2);
  EXPECT_EQ(list.images.num_classes, 2);
  EXPECT_EQ(list.boxes[1].size(), 2u);
  EXPECT_DOUBLE_EQ(list.boxes[1][1].x2, 4);
  for (const std::string bad : {"a.png 1 0 0 5\n", "a.png 1 0 0 x 5\n", "a.png 1 5 0 1 5\n",
                                "a.png 1 -1 0 4 4\n", "a.png\n"}) {
    write(dir / "bad.txt", bad);
    EXPECT_THROW(read_box_list(dir / "bad.txt"), DataError) << bad;
  }
}

const char* kVoc = R"(<annotation>
  <folder>VOC2007</folder>
  <filename>000005.jpg</filename>
  <size><width>500</width><height>375</height><depth>3</depth></size>
  <object><name>chair</name><bndbox><xmin>263</xmin><ymin>211</ymin><xmax>324</xmax><ymax>339</ymax></bndbox></object>
  <object><name>chair</name><bndbox><xmin>165</xmin><ymin>264</ymin><xmax>253</xmax><ymax>372</ymax></bndbox></object>
  <object><name>table</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>500</xmax><ymax>375</ymax></bndbox></object>
</annotation>)";

TEST(VocAnnotation, ParsesSizeObjectsAndConvertsToZeroBasedExclusiveBoxes) {
  TempDir dir;
  write(dir / "000005.xml", kVoc);
  const VocAnnotation a = read_voc_annotation(dir / "000005.xml");
  EXPECT_EQ(a.filename, "000005.jpg");
  EXPECT_EQ(a.width, 500);
  EXPECT_EQ(a.height, 375);
  ASSERT_EQ(a.objects.size(), 3u);
  EXPECT_EQ(a.objects[0].name, "chair");
  EXPECT_DOUBLE_EQ(a.objects[0].box.x1, 262);
  EXPECT_DOUBLE_EQ(a.objects[0].box.y2, 339);
  EXPECT_DOUBLE_EQ(a.objects[2].box.x2, 500);  // the whole image fits

  const BoxList list = read_voc_folder(dir.path(), dir / "images");
  ASSERT_EQ(list.size(), 1);
  EXPECT_EQ(list.images.entries[0].path, dir / "images/000005.jpg");
  EXPECT_EQ(list.boxes[0].size(), 2u);  // the chairs only
}

TEST(VocAnnotation, ImageNetNamesWithoutExtensionGetJpeg) {
  TempDir dir;
  write(dir / "n1.xml",
        "<annotation><filename>n01440764_10026</filename><size><width>250</width><height>250"
        "</height></size><object><name>n01440764</name><bndbox><xmin>1</xmin><ymin>2</ymin>"
        "<xmax>30</xmax><ymax>40</ymax></bndbox></object></annotation>");
  EXPECT_EQ(read_voc_annotation(dir / "n1.xml").filename, "n01440764_10026.JPEG");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(VocAnnotation, MalformedXmlAndBoxesOutsideTheImageGiveClearErrors) {
  TempDir dir;
  write(dir / "broken.xml", "<annotation>\n<filename>a.jpg</filename>\n<size><width>10</wid");
  EXPECT_THROW(read_voc_annotation(dir / "broken.xml"), IoError);
  EXPECT_NE(error_of([&] { read_voc_annotation(dir / "broken.xml"); }).find("malformed XML"),
            std::string::npos);

  std::string outside = kVoc;
  outside.replace(outside.find("<xmax>324"), 9, "<xmax>600");
  write(dir / "outside.xml", outside);
  const std::string message = error_of([&] { read_voc_annotation(dir / "outside.xml"); });
  EXPECT_NE(message.find("outside the 500x375 image"), std::string::npos) << message;
  EXPECT_NE(message.find("outside.xml:5"), std::string::npos) << message;

  write(dir / "nobox.xml",
        "<annotation><filename>a.jpg</filename><size><width>9</width><height>9</height></size>"
        "<object><name>x</name></object></annotation>");
  EXPECT_NE(error_of([&] { read_voc_annotation(dir / "nobox.xml"); }).find("no <bndbox>"),
            std::string::npos);
  write(dir / "nan.xml",
        "<annotation><filename>a.jpg</filename><size><width>nine</width><height>9</height>"
        "</size></annotation>");
  EXPECT_THROW(read_voc_annotation(dir / "nan.xml"), DataError);
  EXPECT_THROW(read_voc_annotation(dir / "missing.xml"), IoError);
  // Sizes no image has, checked before they become integers (fuzz_voc_xml: 1e37 overflowed a
  // conversion to int64, undefined behaviour).
  for (const std::string width : {"9999999999999999999999999999999999250", "1e37", "-3", "0",
                                  "2.5", "inf", "nan", "134217729"}) {
    SCOPED_TRACE(width);
    write(dir / "size.xml", "<annotation><filename>a.jpg</filename><size><width>" + width +
                                "</width><height>9</height></size></annotation>");
    const std::string size_error = error_of([&] { read_voc_annotation(dir / "size.xml"); });
    EXPECT_NE(size_error.find("<width> is"), std::string::npos) << size_error;
    EXPECT_NE(size_error.find("not a whole number of pixels"), std::string::npos) << size_error;
  }
}

TEST(BoxSource, BoxOutsideTheDecodedImageIsADataError) {
  TempDir dir;
  cv::imwrite(dir / "a.png", cv::Mat(20, 20, CV_8UC3, cv::Scalar(1, 2, 3)));
  write(dir / "boxes.txt", "a.png 0 2 2 25 10\n");
  ImageSourceOptions o;
  o.transform.scale_min = o.transform.scale_max = o.transform.crop = 16;
  BoxBatchSource source(read_box_list(dir / "boxes.txt"), o);
  Tensor images(Shape{1, 3, 16, 16}), labels(Shape{1}), targets(Shape{1, 4});
  const int64_t index = 0;
  const std::string message = error_of(
      [&] { source.fill_boxes(std::span(&index, 1), false, 0, 0, images, labels, targets); });
  EXPECT_NE(message.find("outside the 20x20 image"), std::string::npos) << message;
  EXPECT_NE(message.find("boxes.txt:1"), std::string::npos) << message;
}

TEST(Localization, ErrorNeedsTheRightClassAndIouAtLeastHalf) {
  // Two samples, 3 classes, per-class boxes in [0, 1] units of a 10-px crop.
  Tensor scores(Shape{2, 3}), boxes(Shape{2, 12}), labels(Shape{2});
  const float s[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
  std::copy(s, s + 6, scores.data());
  boxes.fill(0);
  for (int j = 0; j < 4; ++j) boxes[4 + j] = j < 2 ? 0.0f : 1.0f;  // sample 0, class 1: whole
  boxes[12 + 4 + 2] = boxes[12 + 4 + 3] = 0.5f;                   // sample 1, class 1: quarter
  labels[0] = 1, labels[1] = 1;
  const std::vector<std::vector<Box>> truth{{Box{0, 0, 10, 10}}, {Box{0, 0, 10, 10}}};
  const LocalizationCounts c = count_localization(scores, boxes, labels, truth, 2, 10);
  EXPECT_EQ(c.samples, 2);
  EXPECT_EQ(c.top1, 1);  // sample 1: class 0 ranks first
  EXPECT_EQ(c.top5, 1);  // sample 1: its class-1 box has IoU 0.25
  EXPECT_DOUBLE_EQ(c.mean_iou(), (1.0 + 0.25) / 2);
}

}  // namespace
}  // namespace svertka
