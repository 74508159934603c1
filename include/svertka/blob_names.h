// The blob names that the zoo, the trainer, the evaluators and the CLI agree on. A zoo model
// (zoo.h), an imported model after load_model shapes it (io/model_loading.h) and a localiser
// (localize/localizer.h) all use these.
#pragma once

namespace svertka {

inline constexpr char kDataBlob[] = "data";    // images (N,C,H,W): the net's input
inline constexpr char kLabelBlob[] = "label";  // class indices (N), as floats
inline constexpr char kLossBlob[] = "loss";    // softmax cross-entropy of the class scores
inline constexpr char kAccuracyTop1[] = "accuracy_top1";  // Accuracy layers' tops (1)
inline constexpr char kAccuracyTop5[] = "accuracy_top5";
inline constexpr char kBoxBlob[] = "bbox";               // predicted boxes (N,4) or (N,4K)
inline constexpr char kBoxTargetBlob[] = "bbox_target";  // their targets, the same shape
inline constexpr char kBoxLossBlob[] = "bbox_loss";      // Euclidean loss between the two

}  // namespace svertka
