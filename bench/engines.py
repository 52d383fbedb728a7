"""Plain batched inference of the project models in every installed CPU inference engine.

    python bench/engines.py [--models mnist1d,hmt] [--threads 2]

Engines: TensorFlow (the pipeline's `batched_predictor`), ONNX Runtime (the model converted
with tf2onnx, opset 17) and OpenVINO (`openvino.convert_model` on the Keras model, float32
inference forced); an engine whose package is missing is skipped with a line saying so.
Per model and engine: inputs per second (the best of three passes over the same inputs),
the ratio to TensorFlow's rate, the largest difference of a class probability from
TensorFlow's, and the arithmetic rate in GFLOP/s (multiply-adds of the convolution and dense
layers counted twice), which shows how close TensorFlow already is to what the CPU can do.
No engine is used by the pipeline; this measures whether one would pay.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from vxai.runtime import configure_tensorflow  # noqa: E402

BATCH = {"mnist1d": 256, "hmt": 32}  # the default config's batch sizes


def flops_per_input(model):
    """Floating-point operations of one forward pass: 2 per multiply-add of the weighted
    layers (convolutions and dense layers; pooling and activations are left out)."""
    total = 0
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        kernel = weights[0]
        outputs = int(np.prod(layer.output.shape[1:]))
        total += 2 * outputs * int(np.prod(kernel.shape[:-1]))
    return total


def tensorflow_engine(model, batch_size, threads):
    from vxai.models.loading import batched_predictor

    return batched_predictor(model, batch_size)


def onnxruntime_engine(model, batch_size, threads):
    import onnxruntime
    import tensorflow as tf
    import tf2onnx

    signature = (tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name="input"),)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "model.onnx")
        tf2onnx.convert.from_function(tf.function(lambda b: model(b, training=False)),
                                      input_signature=signature, opset=17, output_path=path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def predict(x):
        return np.concatenate([session.run(None, {"input": x[i:i + batch_size]})[0]
                               for i in range(0, len(x), batch_size)])

    return predict


def openvino_engine(model, batch_size, threads):
    import openvino

    converted = openvino.convert_model(model, input=[(-1, *model.input_shape[1:])])
    compiled = openvino.Core().compile_model(converted, "CPU", {
        "INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"})
    request = compiled.create_infer_request()

    def predict(x):
        return np.concatenate([request.infer({0: x[i:i + batch_size]})[0].copy()
                               for i in range(0, len(x), batch_size)])

    return predict


ENGINES = {"tensorflow": tensorflow_engine, "onnxruntime": onnxruntime_engine,
           "openvino": openvino_engine}


def main():
    from run import best_rate, load_models

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="mnist1d,hmt")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batches", type=int, default=4, help="batches per timed pass")
    args = parser.parse_args()
    configure_tensorflow(args.threads, seed=0)
    print(f"# {args.threads} threads; inputs/s is the best of 3 passes over the same inputs")
    for name, model in load_models(args.models.split(",")):
        batch_size = BATCH[name]
        x = np.random.default_rng(0).random((args.batches * batch_size, *model.input_shape[1:]),
                                            dtype=np.float32)
        flops = flops_per_input(model)
        reference = rate = None  # TensorFlow's, the first engine
        for engine, make in ENGINES.items():
            try:
                predict = make(model, batch_size, args.threads)
            except ImportError as err:
                print(f"{name:8s} {engine:12s} skipped: {err.name} is not installed")
                continue
            outputs = predict(x)
            engine_rate = best_rate(lambda: predict(x), len(x))
            if reference is None:
                reference, rate = outputs, engine_rate
            print(f"{name:8s} {engine:12s} {engine_rate:10.1f} inputs/s  x{engine_rate / rate:.2f}  "
                  f"max |dp| {np.abs(outputs - reference).max():.1e}  "
                  f"{engine_rate * flops / 1e9:6.1f} GFLOP/s (batch {batch_size})")


if __name__ == "__main__":
    main()
