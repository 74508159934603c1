#include "io/caffe_layers.h"

#include "svertka/error.h"

namespace svertka::caffe_io {

std::string layer_error(const std::string& file, const caffe::LayerParameter& layer,
                        const std::string& what) {
  return file + ": layer '" + layer.name() + "' (" + layer.type() + "): " + what;
}

namespace {

std::string v1_type_name(caffe::V1LayerParameter::LayerType type) {
  using V1 = caffe::V1LayerParameter;
  switch (type) {
    case V1::ACCURACY:
      return "Accuracy";
    case V1::CONCAT:
      return "Concat";
    case V1::CONVOLUTION:
      return "Convolution";
    case V1::DATA:
      return "Data";
    case V1::DROPOUT:
      return "Dropout";
    case V1::DUMMY_DATA:
      return "DummyData";
    case V1::IMAGE_DATA:
      return "ImageData";
    case V1::INNER_PRODUCT:
      return "InnerProduct";
    case V1::LRN:
      return "LRN";
    case V1::POOLING:
      return "Pooling";
    case V1::RELU:
      return "ReLU";
    case V1::SOFTMAX:
      return "Softmax";
    case V1::SOFTMAX_LOSS:
      return "SoftmaxWithLoss";
    default:
      return "";
  }
}

}  // namespace

caffe::LayerParameter upgrade_v1(const caffe::V1LayerParameter& v1, const std::string& file) {
  caffe::LayerParameter layer;
  layer.set_name(v1.name());
  layer.set_type(v1_type_name(v1.type()));
  if (layer.type().empty())
    throw IoError(file + ": legacy layer '" + v1.name() + "' (" +
                  caffe::V1LayerParameter::LayerType_Name(v1.type()) + "): unsupported layer type");
  *layer.mutable_bottom() = v1.bottom();
  *layer.mutable_top() = v1.top();
  *layer.mutable_include() = v1.include();
  *layer.mutable_exclude() = v1.exclude();
  *layer.mutable_blobs() = v1.blobs();
  *layer.mutable_loss_weight() = v1.loss_weight();
  const int params = std::max(v1.blobs_lr_size(), v1.weight_decay_size());
  for (int i = 0; i < params; ++i) {
    caffe::ParamSpec* spec = layer.add_param();
    if (i < v1.blobs_lr_size()) spec->set_lr_mult(v1.blobs_lr(i));
    if (i < v1.weight_decay_size()) spec->set_decay_mult(v1.weight_decay(i));
  }
  if (v1.has_accuracy_param()) *layer.mutable_accuracy_param() = v1.accuracy_param();
  if (v1.has_concat_param()) *layer.mutable_concat_param() = v1.concat_param();
  if (v1.has_convolution_param()) *layer.mutable_convolution_param() = v1.convolution_param();
  if (v1.has_data_param()) *layer.mutable_data_param() = v1.data_param();
  if (v1.has_dropout_param()) *layer.mutable_dropout_param() = v1.dropout_param();
  if (v1.has_dummy_data_param()) *layer.mutable_dummy_data_param() = v1.dummy_data_param();
  if (v1.has_image_data_param()) *layer.mutable_image_data_param() = v1.image_data_param();
  if (v1.has_inner_product_param()) *layer.mutable_inner_product_param() = v1.inner_product_param();
  if (v1.has_lrn_param()) *layer.mutable_lrn_param() = v1.lrn_param();
  if (v1.has_pooling_param()) *layer.mutable_pooling_param() = v1.pooling_param();
  if (v1.has_relu_param()) *layer.mutable_relu_param() = v1.relu_param();
  if (v1.has_softmax_param()) *layer.mutable_softmax_param() = v1.softmax_param();
  if (v1.has_transform_param()) *layer.mutable_transform_param() = v1.transform_param();
  if (v1.has_loss_param()) *layer.mutable_loss_param() = v1.loss_param();
  return layer;
}

Filler filler_from_caffe(const caffe::FillerParameter& f, const std::string& file,
                         const caffe::LayerParameter& layer) {
  const std::string& type = f.type();
  if (f.variance_norm() != caffe::FillerParameter::FAN_IN)
    throw IoError(
        layer_error(file, layer, "filler variance_norm other than FAN_IN is unsupported"));
  if (type == "constant") return Filler::constant(f.value());
  if (type == "gaussian") {
    if (f.mean() != 0 || f.sparse() > 0)
      throw IoError(layer_error(file, layer,
                                "gaussian filler with a non-zero mean or sparse is unsupported"));
    return Filler::gaussian(f.std());
  }
  if (type == "xavier") return Filler::xavier();
  if (type == "msra") return Filler::msra();
  throw IoError(layer_error(file, layer, "unsupported filler type '" + type + "'"));
}

caffe::FillerParameter filler_to_caffe(const Filler& filler) {
  caffe::FillerParameter f;
  switch (filler.kind) {
    case Filler::Kind::kConstant:
      f.set_type("constant"), f.set_value(float(filler.value));
      break;
    case Filler::Kind::kGaussian:
      f.set_type("gaussian"), f.set_std(float(filler.std));
      break;
    case Filler::Kind::kXavier:
      f.set_type("xavier");
      break;
    case Filler::Kind::kMsra:
      f.set_type("msra");
      break;
  }
  return f;
}

}  // namespace svertka::caffe_io
