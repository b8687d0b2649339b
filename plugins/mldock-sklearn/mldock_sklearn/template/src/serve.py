"""Serving: load the classifier once, then predict a class for each row sent."""

import json

import joblib
import numpy as np


def load(ctx):
    metadata = json.loads((ctx.model_dir / "metadata.json").read_text())
    return {"model": joblib.load(ctx.model_dir / "model.joblib"), "features": metadata["features"]}


def rows_from(data, features):
    """Accept a list of rows, {"instances": rows}, or rows given as mappings by column."""
    if isinstance(data, dict):
        data = data.get("instances", data.get("inputs"))
    if not isinstance(data, list) or not data:
        raise ValueError("send a non-empty list of rows, e.g. [[5.1, 3.5, 1.4, 0.2]]")
    if not isinstance(data[0], (list, dict)):
        data = [data]
    rows = []
    for row in data:
        if isinstance(row, dict):
            row = [row[name] for name in features]
        if len(row) != len(features):
            raise ValueError(f"each row needs {len(features)} values: {', '.join(features)}")
        rows.append([float(value) for value in row])
    return np.array(rows)


def predict(model, data, ctx):
    rows = rows_from(data, model["features"])
    return model["model"].predict(rows).tolist()
