"""Training: fit y = slope * x + intercept by least squares to the CSV files of the training channel."""

import csv
import json


def train(ctx):
    target = ctx.hyperparameters.get("target", "y")
    xs, ys = [], []
    for path in sorted(ctx.channel("training").glob("*.csv")):
        with path.open(newline="") as file:
            for row in csv.DictReader(file):
                xs.append(float(row["x"]))
                ys.append(float(row[target]))
    if len(xs) < 2:
        raise ValueError("the training channel needs a CSV file with at least two rows")

    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread
    intercept = mean_y - slope * mean_x

    model = {"slope": slope, "intercept": intercept}
    (ctx.model_dir / "model.json").write_text(json.dumps(model))
    ctx.log.info("fitted %d rows: slope %.4f, intercept %.4f", len(xs), slope, intercept)
