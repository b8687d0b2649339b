"""Serving: load the fitted line once, then predict y for x values."""

import json


def load(ctx):
    return json.loads((ctx.model_dir / "model.json").read_text())


def predict(model, data, ctx):
    # JSON requests send a list of numbers; CSV requests send rows of one cell.
    xs = [row[0] if isinstance(row, list) else row for row in data]
    return [model["slope"] * float(x) + model["intercept"] for x in xs]
