/* train_onnx: a model file (train_model.h) as an ONNX model, for the tools people deploy
 * with (ONNX Runtime, OpenCV's DNN module, TensorRT, netron to look at it). Written by our
 * own protobuf writer (train_protobuf.h): the file is a dozen message kinds, and a protobuf
 * library would add a schema compiler to the build for them.
 *
 * The graph, opset 13, IR version 7:
 *   input "image"  float (N, 3, H, W): RGB in 0..255, NCHW (ONNX's convolution layout;
 *                  cv2.dnn.blobFromImage(img, swapRB=True) gives it from a BGR image)
 *   Sub(mean) -> Div(std)         the training split's per-channel normalisation, as two
 *                                 explicit nodes (constants (3,1,1)), NOT folded into the
 *                                 first convolution: with "same" padding a folded
 *                                 convolution would pad with raw zeros where LR Lab pads
 *                                 with normalised zeros, and differ along the borders
 *   per spec token: cN[kK] -> Conv(pads K/2, stride 1) + Relu;  p -> MaxPool(2, stride 2);
 *                   fN -> (Flatten before the first) Gemm(transB=1) + Relu but the last;
 *                   dR -> nothing (dropout is the identity at inference)
 *   Softmax(axis 1) -> output "probabilities" (N, classes), in the order of the classes
 * Weights are transposed from LR Lab's channels-last layouts (nn_model.h): a convolution's
 * (OC,K,K,C) becomes ONNX's (OC,C,K,K), and the first dense layer's columns go from LR
 * Lab's (H,W,C) flatten order to Flatten's (C,H,W) of an NCHW tensor.
 * Metadata (metadata_props): "classes" (a JSON list of the class names in output order),
 * "lrlab.spec", "lrlab.input" (HxWxC), "lrlab.mean" and "lrlab.std" (0..255 units, RGB),
 * "lrlab.resize", "lrlab.epoch". */
#pragma once
#include <glib.h>
#include "train_model.h"

/* Reads the model file at model_path and writes its ONNX model to onnx_path (atomically).
 * A model file without a description (a checkpoint of LR Lab's first version) has no
 * normalisation or class names to write: that is an error saying so. */
gboolean train_onnx_export(const char *model_path, const char *onnx_path, GError **error);

/* The ONNX bytes of a loaded model and its description (info->has_info must be TRUE). */
GByteArray *train_onnx_build(const nn_model *model, const TrainModelInfo *info);
