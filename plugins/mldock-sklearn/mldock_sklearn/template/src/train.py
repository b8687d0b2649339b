"""Training: fit a logistic regression to the CSV files of the training channel."""

import csv
import json

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read_rows(folder, target):
    features, labels, columns = [], [], None
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as file:
            reader = csv.DictReader(file)
            names = [name for name in reader.fieldnames if name != target]
            if columns is None:
                columns = names
            elif names != columns:
                raise ValueError(f"{path.name} has the columns {names}, expected {columns}")
            for row in reader:
                features.append([float(row[name]) for name in columns])
                labels.append(row[target])
    if not features:
        raise ValueError(f"no CSV rows found in {folder}; put the training data there")
    return np.array(features), np.array(labels), columns


def train(ctx):
    params = ctx.hyperparameters
    target = params.get("target", "species")
    features, labels, columns = read_rows(ctx.channel("training"), target)

    model = make_pipeline(
        StandardScaler(),
        LogisticRegression(C=float(params.get("C", 1.0)), max_iter=int(params.get("max_iter", 500))),
    )
    model.fit(features, labels)
    accuracy = model.score(features, labels)
    ctx.log.info("trained on %d rows, %d classes; training accuracy %.3f", len(labels), len(model.classes_), accuracy)

    joblib.dump(model, ctx.model_dir / "model.joblib")
    metadata = {"features": columns, "classes": model.classes_.tolist(), "training_accuracy": accuracy}
    (ctx.model_dir / "metadata.json").write_text(json.dumps(metadata, indent=2))
