// open_dataset: an IDX folder, an image folder in ImageNet's layout, or list files.
#include "svertka/data/open_dataset.h"

#include <gtest/gtest.h>

#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/error.h"
#include "synthetic_idx.h"

namespace svertka::testing {
namespace {

void write_png(const std::string& path, int seed) {
  write_image(path, pattern_image(8, 8, seed));
}

TEST(OpenDataset, AFolderWithMnistNamesIsIdx) {
  TempDir dir;
  write_idx(dir.path(), "train", synthetic_idx(4, 1));
  write_idx(dir.path(), "t10k", synthetic_idx(4, 2));
  const Dataset dataset = open_dataset({.data = dir.path()}, {});
  EXPECT_TRUE(dataset.is_idx());
  EXPECT_EQ(dataset.idx_folder, dir.path());
  EXPECT_EQ(dataset.train, nullptr);
  EXPECT_TRUE(is_idx_folder(dir.path()));
}

TEST(OpenDataset, AnImageRootGivesEachSplitsClassFolders) {
  TempDir dir;
  write_png(dir / "train/cat/a.png", 1);
  write_png(dir / "train/dog/b.png", 2);
  write_png(dir / "train/dog/c.png", 3);
  write_png(dir / "val/cat/d.png", 4);
  const Dataset dataset =
      open_dataset({.data = dir.path()}, {.splits = {DataSplit::kTrain, DataSplit::kVal}});
  ASSERT_FALSE(dataset.is_idx());
  ASSERT_NE(dataset.train, nullptr);
  ASSERT_NE(dataset.val, nullptr);
  EXPECT_EQ(dataset.train->size(), 3);
  EXPECT_EQ(dataset.train->class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(dataset.val->size(), 1);
  EXPECT_FALSE(is_idx_folder(dir.path()));
}

TEST(OpenDataset, AMissingSecondSplitIsNullAndNumClassesWidensTheFolders) {
  TempDir dir;
  write_png(dir / "train/cat/a.png", 1);
  write_png(dir / "train/dog/b.png", 2);
  const Dataset dataset = open_dataset({.data = dir.path(), .num_classes = 5},
                                       {.splits = {DataSplit::kTrain, DataSplit::kVal}});
  ASSERT_NE(dataset.train, nullptr);
  EXPECT_EQ(dataset.train->num_classes, 5);
  EXPECT_EQ(dataset.val, nullptr);
  SVERTKA_EXPECT_THROW_WITH(open_dataset({.data = dir.path(), .num_classes = 1}, {}), ParamError,
                            "num_classes 1", "2 classes");
}

TEST(OpenDataset, AFlatFolderIsTheSplitOnlyWhenAskedFor) {
  TempDir dir;
  write_png(dir / "cat/a.png", 1);
  write_png(dir / "dog/b.png", 2);
  const Dataset flat =
      open_dataset({.data = dir.path()}, {.splits = {DataSplit::kVal}, .whole_if_flat = true});
  ASSERT_NE(flat.val, nullptr);
  EXPECT_EQ(flat.val->size(), 2);
  const std::string root = dir.path();  // alive while the message is checked
  SVERTKA_EXPECT_THROW_WITH(open_dataset({.data = root}, {.splits = {DataSplit::kVal}}),
                            NotFoundError, root.c_str(), "val/");
}

TEST(OpenDataset, AListFileWinsWithItsPathsUnderTheRoot) {
  TempDir dir;
  write_idx(dir.path(), "train", synthetic_idx(4, 1));  // a list file is used even here
  write_idx(dir.path(), "t10k", synthetic_idx(4, 2));
  write_text(dir / "train.txt", "a.png 0\nsub/b.png 3\n");
  const Dataset dataset = open_dataset(
      {.data = dir.path(), .train_list = dir / "train.txt", .root = dir / "images"}, {});
  ASSERT_FALSE(dataset.is_idx());
  ASSERT_NE(dataset.train, nullptr);
  EXPECT_EQ(dataset.train->size(), 2);
  EXPECT_EQ(dataset.train->num_classes, 4);
  EXPECT_EQ(dataset.train->entries[1].path, dir / "images/sub/b.png");
}

TEST(OpenDataset, AMissingLocationIsAnErrorNamingIt) {
  TempDir dir;
  const std::string missing = dir / "no-such-folder";
  SVERTKA_EXPECT_THROW_WITH(open_dataset({.data = missing}, {}), NotFoundError, missing.c_str());
  SVERTKA_EXPECT_THROW_WITH(open_dataset({.data = missing}, {.whole_if_flat = true}), IoError,
                            missing.c_str());
  SVERTKA_EXPECT_THROW_WITH(open_dataset({.train_list = dir / "missing.txt"}, {}), IoError,
                            "missing.txt");
  SVERTKA_EXPECT_THROW_WITH(open_dataset({}, {}), ParamError, "train");
}

}  // namespace
}  // namespace svertka::testing
