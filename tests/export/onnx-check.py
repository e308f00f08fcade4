#!/usr/bin/env python3
"""onnx-check.py MODEL.onnx PRED.csv [MODEL.onnx PRED.csv ...] — each exported model passes
onnx.checker (full check, with shape inference), uses opset 13 or later,
has inputs image/text and outputs logits/probabilities with the shapes
DESIGN.md gives, and carries labels (in predict's class order) and the
vocabulary as metadata properties."""
import csv
import json
import sys

import onnx


def dims(v):
    return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]


def check(model_path, csv_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    header = next(csv.reader(open(csv_path, newline="", encoding="utf-8")))
    classes = [h[2:] for h in header[3:]]
    opset = {o.domain: o.version for o in model.opset_import}
    assert opset.get("", 0) >= 13, opset
    g = model.graph
    assert [i.name for i in g.input] == ["image", "text"], [i.name for i in g.input]
    assert [o.name for o in g.output] == ["logits", "probabilities"], [o.name for o in g.output]
    image, text = g.input
    props = {p.key: p.value for p in model.metadata_props}
    pre = json.loads(props["preprocess"])
    # a features model reads (N, D) vectors: preprocess says D
    assert image.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    if "image_features" in pre:
        assert dims(image)[1:] == [pre["image_features"]], (dims(image), pre)
    else:
        assert len(dims(image)) == 4, dims(image)
    assert text.type.tensor_type.elem_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.INT64)
    for o in g.output:
        assert dims(o)[1] == len(classes), (o.name, dims(o))
    assert json.loads(props["labels"]) == classes, (props.get("labels"), classes)
    vocab = json.loads(props["vocab"])
    assert vocab[:2] == ["<pad>", "<unk>"], vocab[:2]
    if "text_features" in pre:
        assert dims(text)[1] == pre["text_features"], (dims(text), pre)
    elif text.type.tensor_type.elem_type == onnx.TensorProto.FLOAT:
        assert dims(text)[1] == len(vocab), (dims(text), len(vocab))
    else:
        assert dims(text)[1] == 32, dims(text)
    json.loads(props["config"])
    json.loads(props["preprocess"])


def main():
    failed = 0
    for model_path, csv_path in zip(sys.argv[1::2], sys.argv[2::2]):
        try:
            check(model_path, csv_path)
            print(f"{model_path}: onnx.checker and interface ok")
        except Exception as e:   # report every model, then fail
            print(f"FAIL {model_path}: {type(e).__name__}: {e}")
            failed += 1
    sys.exit(1 if failed or len(sys.argv) < 3 else 0)


if __name__ == "__main__":
    main()
