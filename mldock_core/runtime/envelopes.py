"""Request and response bodies of each platform around one predict(model, data, ctx).

SageMaker and Azure ML send the data itself, decoded by its Content-Type. Vertex AI
and KServe wrap it in JSON: ``{"instances": [...]}`` or v2's ``{"inputs": [...]}``.
Each envelope turns a body into ``data`` and parameters, and the result of predict()
back into the body that its platform expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import kserve_v2
from .context import RequestContext
from .decode import decode_body, decode_json_envelope
from .encode import JSON_TYPE, encode_json, encode_result, plain
from .errors import HttpError
from .mediatypes import MediaType
from .routes import AZUREML, KSERVE_V1, KSERVE_V2, SAGEMAKER, VERTEX


@dataclass
class DecodedRequest:
    """The data and parameters that an envelope found in a request body.

    ``instance_count`` is the number of instances when the envelope has a list of
    them, and ``request_id`` the "id" of a KServe v2 request, returned as it came.
    """

    data: Any
    parameters: dict[str, Any] = field(default_factory=dict)
    instance_count: int | None = None
    request_id: Any = None


class Envelope:
    """The body format of one platform's predict route."""

    # The media type of a request without Content-Type. None rejects such a request.
    default_content_type: str | None = JSON_TYPE

    def decode(self, body: bytes, media_type: MediaType) -> DecodedRequest:
        raise NotImplementedError

    def encode(
        self, result: Any, request: DecodedRequest, ctx: RequestContext
    ) -> tuple[str, bytes]:
        """Return the Content-Type and body for what predict() returned."""
        raise NotImplementedError


class RawBody(Envelope):
    """SageMaker and Azure ML: the body is the data, in any accepted media type."""

    default_content_type = None

    def decode(self, body: bytes, media_type: MediaType) -> DecodedRequest:
        return DecodedRequest(decode_body(body, media_type))

    def encode(
        self, result: Any, request: DecodedRequest, ctx: RequestContext
    ) -> tuple[str, bytes]:
        return encode_result(result, ctx.accept)


class InstancesEnvelope(Envelope):
    """Vertex AI and KServe v1: ``{"instances": [...], "parameters": {...}}``.

    KServe v1 also takes the inputs as ``{"inputs": ...}``. With
    ``same_length``, predict() must return one prediction per instance.
    """

    def __init__(self, platform_title: str, same_length: bool, inputs_key: bool):
        self._title = platform_title
        self._same_length = same_length
        self._inputs_key = inputs_key

    def decode(self, body: bytes, media_type: MediaType) -> DecodedRequest:
        value = decode_json_envelope(body, media_type, '{"instances": [...]}')
        key = "instances"
        if self._inputs_key and isinstance(value, dict) and "instances" not in value:
            key = "inputs" if "inputs" in value else key
        if not isinstance(value, dict) or key not in value:
            raise HttpError(
                400,
                f'Request body has no "instances": {self._title} needs a JSON '
                f'object {{"instances": [...], "parameters": {{...}}}}, and the '
                f"body is {_kind_or_object_without(value)}.",
            )
        instances = value[key]
        if key == "instances" and not isinstance(instances, list):
            raise HttpError(
                400,
                f'"instances" must be a list with one item per prediction, not '
                f"{_kind(instances)}.",
            )
        parameters = read_parameters(value)
        count = len(instances) if isinstance(instances, list) else None
        return DecodedRequest(instances, parameters, instance_count=count)

    def encode(
        self, result: Any, request: DecodedRequest, ctx: RequestContext
    ) -> tuple[str, bytes]:
        predictions = plain(result)
        if self._same_length:
            _check_prediction_count(predictions, request.instance_count, self._title)
        return JSON_TYPE, encode_json({"predictions": predictions})


class InferenceEnvelope(Envelope):
    """KServe v2: ``{"inputs": [tensor, ...]}`` in, ``{"outputs": [...]}`` out."""

    def __init__(self, model_name: str) -> None:
        self._model_name = model_name

    def decode(self, body: bytes, media_type: MediaType) -> DecodedRequest:
        value = decode_json_envelope(body, media_type, '{"inputs": [...]}')
        if not isinstance(value, dict) or "inputs" not in value:
            raise HttpError(
                400,
                f'Request body has no "inputs": KServe v2 needs a JSON object '
                f'{{"inputs": [{{"name", "shape", "datatype", "data"}}]}}, and '
                f"the body is {_kind_or_object_without(value)}.",
            )
        data = kserve_v2.decode_inputs(value["inputs"])
        return DecodedRequest(data, read_parameters(value), request_id=value.get("id"))

    def encode(
        self, result: Any, request: DecodedRequest, ctx: RequestContext
    ) -> tuple[str, bytes]:
        response: dict[str, Any] = {"model_name": self._model_name}
        if request.request_id is not None:
            response["id"] = request.request_id
        response["outputs"] = kserve_v2.encode_outputs(result)
        return JSON_TYPE, encode_json(response)


def envelope_for(platform: str, model_name: str) -> Envelope:
    """Return the envelope of a platform's predict route (a ctx.platform value)."""
    if platform in (SAGEMAKER, AZUREML):
        return RawBody()
    if platform == VERTEX:
        return InstancesEnvelope("Vertex AI", same_length=True, inputs_key=False)
    if platform == KSERVE_V1:
        return InstancesEnvelope("KServe v1", same_length=False, inputs_key=True)
    if platform == KSERVE_V2:
        return InferenceEnvelope(model_name)
    raise ValueError(f"unknown platform {platform!r}")


def read_parameters(value: dict[str, Any]) -> dict[str, Any]:
    """Return the optional "parameters" object of an envelope, {} when missing."""
    parameters = value.get("parameters")
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise HttpError(
            400,
            f'"parameters" must be a JSON object of names and values, not '
            f"{_kind(parameters)}.",
        )
    return parameters


def _check_prediction_count(predictions: Any, expected: int | None, title: str) -> None:
    if isinstance(predictions, (list, tuple)):
        if len(predictions) == expected:
            return
        found = f"{len(predictions)} predictions"
    else:
        found = f"a {type(predictions).__name__}, not a list,"
    instances = "instance" if expected == 1 else "instances"
    raise HttpError(
        500,
        f"predict() returned {found} for {expected} {instances}; {title} needs one "
        f"prediction per instance, so return a list of {expected} items in the "
        f"order of the instances.",
    )


def _kind_or_object_without(value: Any) -> str:
    return "an object without it" if isinstance(value, dict) else _kind(value)


def _kind(value: Any) -> str:
    """Describe a decoded JSON value for an error message: "a list", "a str"."""
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"
