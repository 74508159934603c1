// The keys of a recipe and the options they set (recipe.h). Adding a key: the option must exist,
// under the key's name, on every subcommand the key names (tests/unit/recipe_test.cc checks).
#include "recipe.h"

namespace svertka::cli {

std::string RecipeKey::flag() const {
  std::string flag = "--" + std::string(key);
  for (char& ch : flag)
    if (ch == '_') ch = '-';
  return flag;
}

const std::vector<RecipeKey>& recipe_keys() {
  using T = RecipeType;
  constexpr unsigned train = kRecipeTrain, eval = kRecipeEval, both = train | eval;
  static const std::vector<RecipeKey> keys{
      {"", "model", T::kString, both},
      {"", "precision", T::kString, both},
      // What the data is and how an image becomes a net input, for training and evaluation alike.
      {"data", "data", T::kString, both},
      {"data", "train_list", T::kString, train},
      {"data", "val_list", T::kString, both},
      {"data", "root", T::kString, both},
      {"data", "classes", T::kString, both},
      {"data", "num_classes", T::kInteger, both},
      {"data", "class_subset", T::kString, train},
      {"data", "stats", T::kString, both},
      {"data", "mean", T::kString, both},
      {"data", "resize", T::kString, both},
      {"data", "scale", T::kInteger, both},
      {"data", "crop", T::kInteger, both},
      {"data", "channels", T::kInteger, both},
      {"data", "channel_order", T::kString, both},
      {"data", "pixel_scale", T::kNumber, both},
      // SGD and its schedule.
      {"solver", "epochs", T::kInteger, train},
      {"solver", "batch", T::kInteger, train},
      {"solver", "iter_size", T::kInteger, train},
      {"solver", "max_iter", T::kInteger, train},
      {"solver", "time_limit", T::kNumber, train},
      {"solver", "lr", T::kNumber, train},
      {"solver", "schedule", T::kString, train},
      {"solver", "gamma", T::kNumber, train},
      {"solver", "step_size", T::kInteger, train},
      {"solver", "step_epochs", T::kInteger, train},
      {"solver", "milestones", T::kIntegers, train},
      {"solver", "power", T::kNumber, train},
      {"solver", "patience", T::kInteger, train},
      {"solver", "max_drops", T::kInteger, train},
      {"solver", "solver_type", T::kString, train},
      {"solver", "momentum", T::kNumber, train},
      {"solver", "nesterov", T::kBool, train},
      {"solver", "weight_decay", T::kNumber, train},
      {"solver", "regularization", T::kString, train},
      {"solver", "delta", T::kNumber, train},
      {"solver", "momentum2", T::kNumber, train},
      {"solver", "rms_decay", T::kNumber, train},
      {"solver", "clip_gradients", T::kNumber, train},
      {"solver", "average_loss", T::kInteger, train},
      {"solver", "seed", T::kInteger, train},
      {"solver", "snapshot", T::kInteger, train},
      {"solver", "snapshot_minutes", T::kNumber, train},
      // Training-time augmentation (pad also tells evaluation where the 10 views' corners are).
      {"augment", "pad", T::kInteger, both},
      {"augment", "mirror", T::kBool, train},
      {"augment", "scale_max", T::kInteger, train},
      {"augment", "pca_colour", T::kNumber, train},
      {"augment", "crop_area", T::kNumbers, train},
      {"augment", "crop_aspect", T::kNumbers, train},
      {"augment", "colour_jitter", T::kNumber, train},
      // Starting from another run's weights.
      {"init", "init_from", T::kString, train},
      {"init", "init_layers", T::kStrings, train},
      // The evaluation protocol.
      {"eval", "crops", T::kString, eval},
      {"eval", "scales", T::kIntegers, eval},
      {"eval", "batch", T::kInteger, eval},
  };
  return keys;
}

}  // namespace svertka::cli
