#include "svertka/data/image_list.h"

#include <gtest/gtest.h>

#include "image_test_helpers.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ImageList, FolderClassesAreSortedSubfoldersAndFilesSortedWithin) {
  TempDir dir;
  const cv::Mat image = pattern_image(8, 8, 1);
  write_image(dir / "zebra/b.jpg", image);
  write_image(dir / "zebra/a.PNG", image);
  write_image(dir / "ant/x.jpeg", image);
  write_text(dir / "ant/notes.txt", "not an image");
  const ImageList list = list_image_folder(dir.path());
  ASSERT_EQ(list.size(), 3);
  EXPECT_EQ(list.class_names, (std::vector<std::string>{"ant", "zebra"}));
  EXPECT_EQ(list.num_classes, 2);
  EXPECT_EQ(list.entries[0].path, dir / "ant/x.jpeg");
  EXPECT_EQ(list.entries[0].label, 0);
  EXPECT_EQ(list.entries[1].path, dir / "zebra/a.PNG");
  EXPECT_EQ(list.entries[2].label, 1);
}

TEST(ImageList, ClassListGivesTheIndices) {
  TempDir dir;
  write_image(dir / "n02/a.jpg", pattern_image(8, 8, 1));
  write_image(dir / "n01/a.jpg", pattern_image(8, 8, 1));
  write_text(dir / "synset_words.txt", "n03 third class\nn02 tench, Tinca tinca\n\nn01 goldfish\n");
  const std::vector<std::string> classes = read_class_list(dir / "synset_words.txt");
  EXPECT_EQ(classes, (std::vector<std::string>{"n03", "n02", "n01"}));
  const ImageList list = list_image_folder(dir.path(), classes);
  EXPECT_EQ(list.num_classes, 3);
  ASSERT_EQ(list.size(), 2);
  EXPECT_EQ(list.entries[0].label, 1);  // n02, in label order
  EXPECT_EQ(list.entries[1].label, 2);
  EXPECT_THROW(list_image_folder(dir.path(), {"n01"}), DataError);  // n02 unknown
}

TEST(ImageList, EmptyClassFolderFailsNamingIt) {
  TempDir dir;
  write_image(dir / "a/1.jpg", pattern_image(8, 8, 1));
  std::filesystem::create_directories(dir / "empty");
  const std::string message = message_of([&] { list_image_folder(dir.path()); });
  EXPECT_NE(message.find(dir / "empty"), std::string::npos) << message;
  EXPECT_THROW(list_image_folder(dir / "missing"), IoError);
}

TEST(ImageList, ListFileReadsPathAndLabelIgnoringFurtherColumns) {
  TempDir dir;
  write_text(dir / "list.txt",
             "# comment\nimg/a.jpg 3 n01440764\n\nimg/b.jpg 0\r\n/abs/c.png 7 extra words\n");
  const ImageList list = read_image_list(dir / "list.txt");
  ASSERT_EQ(list.size(), 3);
  EXPECT_EQ(list.entries[0].path, dir / "img/a.jpg");
  EXPECT_EQ(list.entries[0].label, 3);
  EXPECT_EQ(list.entries[0].origin, dir / "list.txt:2");
  EXPECT_EQ(list.entries[1].label, 0);
  EXPECT_EQ(list.entries[2].path, "/abs/c.png");
  EXPECT_EQ(list.num_classes, 8);
  EXPECT_EQ(read_image_list(dir / "list.txt", "/data/root").entries[0].path, "/data/root/img/a.jpg");
  EXPECT_EQ(read_image_list(dir / "list.txt", "", 1000).num_classes, 1000);
}

TEST(ImageList, BadListLinesFailWithFileAndLine) {
  TempDir dir;
  write_text(dir / "no_label.txt", "a.jpg 1\nb.jpg\n");
  write_text(dir / "not_int.txt", "a.jpg 1\n\nb.jpg one\n");
  write_text(dir / "range.txt", "a.jpg 1\nb.jpg 1000\n");
  write_text(dir / "negative.txt", "a.jpg -1\n");
  EXPECT_NE(message_of([&] { read_image_list(dir / "no_label.txt"); })
                .find(dir / "no_label.txt" + "', line 2"),
            std::string::npos);
  EXPECT_NE(message_of([&] { read_image_list(dir / "not_int.txt"); }).find("line 3"),
            std::string::npos);
  const std::string range = message_of([&] { read_image_list(dir / "range.txt", "", 1000); });
  EXPECT_NE(range.find("line 2: label 1000 is out of range"), std::string::npos) << range;
  EXPECT_THROW(read_image_list(dir / "negative.txt"), DataError);
  EXPECT_THROW(read_image_list(dir / "absent.txt"), IoError);
}

}  // namespace
}  // namespace svertka::testing
