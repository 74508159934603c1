// svertka.ImageLoader: (images, labels) numpy batches from the C++ worker pipeline (BatchPipeline
// over an ImageBatchSource), the same batches `svertka bench-data` and the trainer draw for a
// seed: the dataset is opened and the transform configured by the CLI's own functions
// (open_dataset, image_source_options), and each epoch is epoch_order(size, seed, epoch).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <numeric>
#include <variant>

#include "arrays.h"
#include "bindings.h"
#include "data_options.h"
#include "svertka/data/pipeline.h"
#include "svertka/data/small_image_batch.h"
#include "svertka/error.h"

namespace svertka::python {
namespace {

struct LoaderArgs {
  std::string source, root;
  int64_t batch = 64, crop = 224, scale_min = 256, scale_max = 256;
  bool mirror = true, augment = true, shuffle = true;
  float pca_colour = 0;
  std::string mean = "channel";
  std::optional<std::array<float, 3>> mean_values;  // R, G, B in 0..255
  int workers = 0, prefetch = 4;
  uint64_t seed = 1;
  std::string channel_order = "bgr";
  int64_t channels = 3;
};

// The images of a folder (ROOT/<class>/*.jpg, or ROOT/train/<class>/...) or of a list file.
std::unique_ptr<ImageBatchSource> open_source(const LoaderArgs& a) {
  cli::ImageDataArgs image;
  std::string data = a.source;
  if (std::filesystem::is_regular_file(a.source)) {
    image.train_list = a.source;
    image.root = a.root;
    data.clear();
  }
  image.scale = a.scale_min;
  image.scale_max = a.scale_max;
  image.crop = a.crop;
  image.pca = a.pca_colour;
  image.order = a.channel_order;
  image.channels = a.channels;
  image.workers = a.workers;
  image.prefetch = a.prefetch;
  Dataset dataset = open_dataset(cli::dataset_location(image, data), {.whole_if_flat = true});
  if (dataset.is_idx())
    throw ParamError("ImageLoader reads image files; '" + a.source + "' is an IDX folder");
  ImageSourceOptions options = cli::image_source_options(
      image, a.crop, a.mirror, a.mean_values ? "channel" : a.mean, a.channels);
  if (a.mean_values) options.transform.channel_mean = *a.mean_values;
  return std::make_unique<ImageBatchSource>(std::move(*dataset.train), options);
}

class ImageLoader;

// A batch's images, handed to Python as a numpy view. The pipeline fills it directly (one copy,
// as the trainer's batches get); it is filled again only once Python holds no reference to the
// array (its only owner is the ring), so a batch kept, sliced or shared with torch.from_numpy
// never changes under its holder.
struct ImageSlot {
  Tensor images;
  py::object array;  // a numpy view of images (a plain handle: made and dropped with the GIL)
  bool filling = false;
};

// One pass over the data: its pipeline of worker threads, and the batches taken so far.
class Epoch {
 public:
  Epoch(std::shared_ptr<ImageLoader> loader, uint64_t epoch);
  ~Epoch();
  py::tuple next();

 private:
  std::shared_ptr<ImageLoader> loader_;
  std::unique_ptr<BatchPipeline> pipeline_;
  BatchBuffers own_buffers_;
  bool shared_buffers_ = false;  // whether this epoch holds the loader's BatchBuffers
  Tensor labels_;
  int64_t taken_ = 0;
};

class ImageLoader : public std::enable_shared_from_this<ImageLoader> {
 public:
  explicit ImageLoader(const LoaderArgs& args) : args_(args), source_(open_source(args)) {
    if (args.batch < 1)
      throw ParamError("batch must be positive, got " + std::to_string(args.batch));
    if (args.workers < 0) throw ParamError("workers must be 0 or more");
    if (args.batch > source_->size())
      throw ParamError("batch " + std::to_string(args.batch) + " is larger than the " +
                       std::to_string(source_->size()) + " images of " + args.source);
  }

  std::vector<int64_t> order(uint64_t epoch) const {
    if (args_.shuffle) return epoch_order(source_->size(), args_.seed, epoch);
    std::vector<int64_t> all(size_t(source_->size()));
    std::iota(all.begin(), all.end(), 0);
    return all;
  }
  std::unique_ptr<Epoch> iterate() { return std::make_unique<Epoch>(shared_from_this(), epoch_++); }

  // A slot no one in Python holds (GIL held); a new one while every slot is in use.
  ImageSlot& free_slot(const Shape& shape) {
    for (ImageSlot& slot : ring_)
      if (!slot.filling && slot.array.ref_count() == 1) return slot;
    ImageSlot fresh{.images = Tensor(shape)};
    fresh.array = view_of(fresh.images);
    if (ring_.size() < kRingSize) return ring_.emplace_back(std::move(fresh));
    overflow_ = std::move(fresh);  // every slot held: this batch gets its own buffer
    return overflow_;
  }
  // The buffers of the pipelines, reused from one epoch to the next as the trainer does; null
  // while another epoch holds them.
  BatchBuffers* claim_buffers() {
    if (buffers_in_use_) return nullptr;
    buffers_in_use_ = true;
    return &buffers_;
  }
  void release_buffers() { buffers_in_use_ = false; }

  int64_t batches() const { return source_->size() / args_.batch; }
  int64_t size() const { return source_->size(); }
  int64_t num_classes() const { return source_->num_classes(); }
  const LoaderArgs& args() const { return args_; }
  const ImageBatchSource& source() const { return *source_; }
  uint64_t epoch() const { return epoch_; }
  void set_epoch(uint64_t epoch) { epoch_ = epoch; }
  std::vector<std::string> class_names() const { return source_->list().class_names; }
  std::vector<std::string> bad_images() const { return source_->bad_images(); }

 private:
  static constexpr size_t kRingSize = 4;
  LoaderArgs args_;
  std::unique_ptr<ImageBatchSource> source_;
  uint64_t epoch_ = 0;
  std::deque<ImageSlot> ring_;  // a deque: slots handed out stay where they are
  ImageSlot overflow_;
  BatchBuffers buffers_;
  bool buffers_in_use_ = false;
};

Epoch::Epoch(std::shared_ptr<ImageLoader> loader, uint64_t epoch) : loader_(std::move(loader)) {
  const LoaderArgs& a = loader_->args();
  labels_ = Tensor(Shape{a.batch});
  BatchBuffers* buffers = loader_->claim_buffers();
  shared_buffers_ = buffers != nullptr;
  pipeline_ = std::make_unique<BatchPipeline>(
      loader_->source(), loader_->order(epoch), a.batch,
      PipelineOptions{.workers = a.workers,
                      .prefetch = a.prefetch,
                      .augment = a.augment,
                      .seed = a.seed,
                      .epoch = epoch,
                      .buffers = shared_buffers_ ? buffers : &own_buffers_});
}

Epoch::~Epoch() {
  pipeline_.reset();  // its buffers go back before the next epoch may take them
  if (shared_buffers_) loader_->release_buffers();
}

py::tuple Epoch::next() {
  if (!pipeline_ || taken_ == pipeline_->batches()) {
    if (pipeline_) {
      py::gil_scoped_release release;
      pipeline_.reset();  // its buffers go back for the next epoch
    }
    if (shared_buffers_) loader_->release_buffers();
    shared_buffers_ = false;
    throw py::stop_iteration();
  }
  const Shape sample = loader_->source().sample_shape();
  ImageSlot& slot = loader_->free_slot(Shape{labels_.numel(), sample[0], sample[1], sample[2]});
  py::array_t<int64_t> labels(labels_.numel());
  int64_t* label_data = labels.mutable_data();
  slot.filling = true;
  try {
    py::gil_scoped_release release;
    pipeline_->next(slot.images, labels_);
    for (int64_t i = 0; i < labels_.numel(); ++i) label_data[i] = int64_t(labels_[i]);
  } catch (...) {
    slot.filling = false;
    throw;
  }
  slot.filling = false;
  ++taken_;
  return py::make_tuple(slot.array, labels);
}

}  // namespace

void bind_data(py::module_& m) {
  using namespace pybind11::literals;
  py::class_<Epoch>(m, "_Epoch", "One pass of an ImageLoader (its iterator).")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &Epoch::next);
  py::class_<ImageLoader, std::shared_ptr<ImageLoader>>(
      m, "ImageLoader", R"(Batches of images from svertka's C++ worker pipeline, as numpy arrays.

ImageLoader(source, batch=64, crop=224, scale=(256, 256), mirror=True, pca_colour=0.0,
            mean="channel", workers=0, seed=1, augment=True, shuffle=True, prefetch=4,
            channel_order="bgr", channels=3, root=None)

source         an image folder (SOURCE/<class>/*.jpg, or SOURCE/train/<class>/...) or a
               Caffe-style list file ("path label" per line; paths relative to `root`, default
               the list's folder)
crop           the square crop (AlexNet, VGG: 224)
scale          S, the shorter side the image is resized to; (min, max): drawn per image (VGG's
               scale jittering, e.g. (256, 512)); an int: fixed
mirror         random horizontal flips (training)
pca_colour     AlexNet's PCA colour augmentation, the standard deviation (0.1); 0: off
mean           "channel" (ImageNet's per-channel means), "none", or (R, G, B) in 0..255
workers        threads decoding whole batches ahead of the consumer (0: on the calling thread)
seed           order and augmentation: every sample's draw depends on (seed, epoch, index) only,
               so the batches are the same for any number of workers and equal `svertka
               bench-data`'s with the same options (its --dump writes them)
augment        training transforms (random crop, flips, jitter, colour); False: centre crops
shuffle        each epoch in the seeded order of (seed, epoch); False: the listed order

Iterating gives one epoch of (images, labels): images float32 (batch, C, crop, crop) in
`channel_order`, labels int64 (batch); a trailing partial batch is dropped. Each iteration is
the next epoch (set_epoch() chooses). The worker pipeline writes each batch straight into its
array; an array's memory is filled again only once nothing in Python refers to it any more, so
a batch that is kept (or shared without a copy by torch.from_numpy(images)) never changes. The
GIL is released while a batch is awaited.)")
      .def(
          py::init([](const std::string& source, int64_t batch, int64_t crop,
                      const std::variant<int64_t, std::pair<int64_t, int64_t>>& scale, bool mirror,
                      float pca_colour, const std::variant<std::string, std::array<float, 3>>& mean,
                      int workers, uint64_t seed, bool augment, bool shuffle, int prefetch,
                      const std::string& channel_order, int64_t channels,
                      const std::optional<std::string>& root) {
            LoaderArgs a{.source = source,
                         .root = root.value_or(""),
                         .batch = batch,
                         .crop = crop,
                         .mirror = mirror,
                         .augment = augment,
                         .shuffle = shuffle,
                         .pca_colour = pca_colour,
                         .workers = workers,
                         .prefetch = prefetch,
                         .seed = seed,
                         .channel_order = channel_order,
                         .channels = channels};
            if (const auto* s = std::get_if<int64_t>(&scale)) {
              a.scale_min = a.scale_max = *s;
            } else {
              std::tie(a.scale_min, a.scale_max) = std::get<std::pair<int64_t, int64_t>>(scale);
            }
            if (const auto* text = std::get_if<std::string>(&mean))
              a.mean = *text;
            else
              a.mean_values = std::get<std::array<float, 3>>(mean);
            py::gil_scoped_release release;
            return std::make_shared<ImageLoader>(a);
          }),
          "source"_a, "batch"_a = 64, "crop"_a = 224, "scale"_a = std::make_pair(256, 256),
          "mirror"_a = true, "pca_colour"_a = 0.0f, "mean"_a = "channel", "workers"_a = 0,
          "seed"_a = 1, "augment"_a = true, "shuffle"_a = true, "prefetch"_a = 4,
          "channel_order"_a = "bgr", "channels"_a = 3, "root"_a = py::none())
      .def("__iter__", &ImageLoader::iterate, "The next epoch's batches.")
      .def("__len__", &ImageLoader::batches, "Batches per epoch (the partial one dropped).")
      .def_property_readonly("num_images", &ImageLoader::size, "Images in the dataset.")
      .def_property_readonly("num_classes", &ImageLoader::num_classes, "Classes of the dataset.")
      .def_property_readonly("class_names", &ImageLoader::class_names,
                             "Class folder names (empty for a list file), index = label.")
      .def_property_readonly("epoch", &ImageLoader::epoch, "The epoch the next iteration gives.")
      .def("set_epoch", &ImageLoader::set_epoch, "epoch"_a,
           "Makes the next iteration give this epoch's order and augmentation.");
}

}  // namespace svertka::python
