"""Write the template's iris.csv from the copy of the data set bundled with scikit-learn.

Run from this folder with scikit-learn installed:
    python scripts/make_iris_csv.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from sklearn.datasets import load_iris

TARGET = Path(__file__).resolve().parent.parent / "mldock_sklearn/template/data/training/iris.csv"
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def main() -> None:
    iris = load_iris()
    with TARGET.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(COLUMNS)
        for features, label in zip(iris.data, iris.target):
            writer.writerow([f"{value:g}" for value in features] + [iris.target_names[label]])
    print(f"wrote {len(iris.target)} rows to {TARGET}")


if __name__ == "__main__":
    main()
