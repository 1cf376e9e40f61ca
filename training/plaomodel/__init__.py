"""The PlaoImaging vertebra landmark model: preprocessing, network, targets, decoding.

Everything the C# engine must reproduce is in ``preprocess.py`` (image to model grid) and ``decode.py`` (model
outputs to vertebrae); ``infer.py`` at the top of training/ runs the exported ONNX model with both.
"""
