"""Tensors of KServe's v2 protocol (the open inference protocol) in JSON.

A request names each input tensor with its shape, datatype and data in row-major
order, flat or nested. predict() gets each tensor as nested lists of that shape.
A result becomes output tensors whose shape and datatype are read from it.
"""

from __future__ import annotations

import math
from typing import Any

from .encode import plain
from .errors import HttpError

# Element kind and, for integers, the inclusive range of each datatype.
DATATYPES: dict[str, tuple[str, tuple[int, int] | None]] = {
    "BOOL": ("bool", None),
    "UINT8": ("int", (0, 2**8 - 1)),
    "UINT16": ("int", (0, 2**16 - 1)),
    "UINT32": ("int", (0, 2**32 - 1)),
    "UINT64": ("int", (0, 2**64 - 1)),
    "INT8": ("int", (-(2**7), 2**7 - 1)),
    "INT16": ("int", (-(2**15), 2**15 - 1)),
    "INT32": ("int", (-(2**31), 2**31 - 1)),
    "INT64": ("int", (-(2**63), 2**63 - 1)),
    "FP16": ("float", None),
    "FP32": ("float", None),
    "FP64": ("float", None),
    "BYTES": ("str", None),
}

# numpy dtype names of results, mapped to v2 datatypes.
_NUMPY_DATATYPES = {
    "bool": "BOOL",
    "uint8": "UINT8",
    "uint16": "UINT16",
    "uint32": "UINT32",
    "uint64": "UINT64",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "float16": "FP16",
    "float32": "FP32",
    "float64": "FP64",
}
_INT64 = DATATYPES["INT64"][1]
_INPUT_FORM = '{"name": ..., "shape": [...], "datatype": ..., "data": [...]}'


def decode_inputs(inputs: Any) -> Any:
    """Return what predict() gets for the ``inputs`` member of an inference request.

    One input gives its tensor as nested lists. Several inputs give a dict that maps
    each name to its tensor. Raises HttpError 400 naming the invalid input.
    """
    if not isinstance(inputs, list) or not inputs:
        raise HttpError(
            400,
            f'"inputs" must be a non-empty list of input tensors such as '
            f"{_INPUT_FORM}, not {_describe(inputs)}.",
        )

    tensors: dict[str, Any] = {}
    for index, item in enumerate(inputs):
        name, tensor = _decode_input(index, item)
        if name in tensors:
            raise HttpError(
                400,
                f"inputs[{index}] repeats the input name {name!r}; give each input "
                f"tensor a name of its own.",
            )
        tensors[name] = tensor
    if len(tensors) == 1:
        return next(iter(tensors.values()))
    return tensors


def encode_outputs(result: Any) -> list[dict[str, Any]]:
    """Return the output tensors for what predict() returned.

    A dict gives one output per item, named by its key; any other value gives the
    output "output-0". Raises HttpError 500 for a value that is no tensor.
    """
    if isinstance(result, dict):
        named = list(result.items())
    else:
        named = [("output-0", result)]

    outputs = []
    for name, value in named:
        if not isinstance(name, str):
            raise HttpError(
                500,
                f"predict() returned a dict with the key {name!r}, but the output "
                f"tensors of KServe v2 need str names; use str keys.",
            )
        outputs.append(_encode_output(name, value))
    return outputs


def _decode_input(index: int, item: Any) -> tuple[str, Any]:
    where = f"inputs[{index}]"
    if not isinstance(item, dict):
        raise HttpError(
            400, f"{where} must be an object {_INPUT_FORM}, not {_describe(item)}."
        )
    missing = [key for key in ("name", "shape", "datatype", "data") if key not in item]
    if missing:
        names = ", ".join(f'"{key}"' for key in missing)
        raise HttpError(400, f"{where} has no {names}; send {_INPUT_FORM}.")

    name = item["name"]
    if not isinstance(name, str):
        raise HttpError(400, f'{where} "name" must be a string, not {_describe(name)}.')
    where = f"Input {name!r}"
    shape = _read_shape(where, item["shape"])
    datatype = item["datatype"]
    if datatype not in DATATYPES:
        raise HttpError(
            400,
            f"{where} has the datatype {datatype!r}, which is not one of "
            f"{', '.join(DATATYPES)}.",
        )

    flat = _flatten(item["data"])
    size = math.prod(shape)
    if len(flat) != size:
        raise HttpError(
            400,
            f"{where} has the shape {shape}, which needs {size} elements, but its "
            f"data has {len(flat)}; send the elements in row-major order or fix "
            f"the shape.",
        )
    _check_elements(where, datatype, flat)
    if DATATYPES[datatype][0] == "float":
        # JSON writes 2.0 as 2, but an FP tensor contains floats.
        flat = [float(element) for element in flat]
    return name, _reshape(flat, shape)


def _read_shape(where: str, shape: Any) -> list[int]:
    valid = isinstance(shape, list) and all(
        isinstance(size, int) and not isinstance(size, bool) and size >= 0
        for size in shape
    )
    if not valid:
        raise HttpError(
            400,
            f"{where} has the shape {shape!r}; a shape is a list of whole numbers "
            f">= 0, such as [2, 3].",
        )
    return shape


def _flatten(data: Any) -> list[Any]:
    """Return the elements of nested lists in row-major order, without recursion."""
    if not isinstance(data, list):
        return [data]
    flat: list[Any] = []
    stack = [iter(data)]
    while stack:
        for element in stack[-1]:
            if isinstance(element, list):
                stack.append(iter(element))
                break
            flat.append(element)
        else:
            stack.pop()
    return flat


def _check_elements(where: str, datatype: str, flat: list[Any]) -> None:
    kind, bounds = DATATYPES[datatype]
    for position, element in enumerate(flat):
        if kind == "bool":
            valid = isinstance(element, bool)
        elif kind == "str":
            valid = isinstance(element, str)
        elif isinstance(element, bool):
            valid = False
        elif kind == "int":
            valid = isinstance(element, int) and bounds[0] <= element <= bounds[1]
        else:
            valid = isinstance(element, (int, float))
        if not valid:
            raise HttpError(
                400,
                f"{where} has the datatype {datatype}, but element {position} of "
                f"its data is {_describe(element)}; send {_expected(datatype)}.",
            )


def _reshape(flat: list[Any], shape: list[int]) -> Any:
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = math.prod(shape[1:])
    return [
        _reshape(flat[start * step : (start + 1) * step], shape[1:])
        for start in range(shape[0])
    ]


def _encode_output(name: str, value: Any) -> dict[str, Any]:
    dtype_name = getattr(getattr(value, "dtype", None), "name", None)
    shape, flat = _shape_and_elements(name, plain(value))
    datatype = _NUMPY_DATATYPES.get(dtype_name) or _infer_datatype(name, flat)
    if datatype == "BYTES":
        flat = [_text(name, element) for element in flat]
    return {"name": name, "shape": shape, "datatype": datatype, "data": flat}


def _shape_and_elements(name: str, value: Any) -> tuple[list[int], list[Any]]:
    """Return the shape of nested lists and their elements, or raise for ragged ones."""
    shape = []
    probe = value
    while isinstance(probe, (list, tuple)):
        shape.append(len(probe))
        if not probe:
            break
        probe = plain(probe[0])

    flat: list[Any] = []

    def collect(item: Any, depth: int) -> None:
        item = plain(item)
        is_list = isinstance(item, (list, tuple))
        if depth == len(shape):
            if is_list:
                _raise_ragged(name, shape)
            flat.append(item)
        elif not is_list or len(item) != shape[depth]:
            _raise_ragged(name, shape)
        else:
            for element in item:
                collect(element, depth + 1)

    collect(value, 0)
    return shape, flat


def _raise_ragged(name: str, shape: list[int]) -> None:
    raise HttpError(
        500,
        f"predict() returned a ragged value for the output {name!r}: its first "
        f"elements give the shape {shape}, but other elements differ. Return "
        f"nested lists whose lists at each depth have the same length, or a numpy "
        f"array.",
    )


def _infer_datatype(name: str, flat: list[Any]) -> str:
    """Return the datatype that fits every element: BOOL, INT64, FP64 or BYTES."""
    kinds = {_element_kind(element) for element in flat}
    if kinds <= {"bool"} and kinds:
        return "BOOL"
    if kinds <= {"int"} and kinds:
        if all(_INT64[0] <= element <= _INT64[1] for element in flat):
            return "INT64"
        return "FP64"
    # Python floats are 64-bit, so FP64 keeps every digit a client reads.
    if kinds <= {"int", "float"}:
        return "FP64"
    if kinds <= {"str", "bytes"}:
        return "BYTES"
    found = ", ".join(sorted(kinds))
    raise HttpError(
        500,
        f"predict() returned elements of the kinds {found} in the output {name!r}; "
        f"an output tensor needs one kind: bool, numbers, or str.",
    )


def _element_kind(element: Any) -> str:
    if isinstance(element, bool):
        return "bool"
    if isinstance(element, int):
        return "int"
    if isinstance(element, float):
        return "float"
    if isinstance(element, str):
        return "str"
    if isinstance(element, (bytes, bytearray)):
        return "bytes"
    return type(element).__name__


def _text(name: str, element: Any) -> str:
    if isinstance(element, str):
        return element
    try:
        return bytes(element).decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(
            500,
            f"predict() returned bytes in the output {name!r} that are not UTF-8 "
            f"text, which JSON cannot carry; return str, or base64-encode the bytes.",
        ) from None


def _expected(datatype: str) -> str:
    kind, bounds = DATATYPES[datatype]
    if kind == "bool":
        return "true or false"
    if kind == "str":
        return "strings"
    if kind == "int":
        return f"whole numbers from {bounds[0]} to {bounds[1]}"
    return "numbers"


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type(value).__name__})"
