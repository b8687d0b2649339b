"""mldock's in-container runtime: the entry point of every image mldock builds.

Images contain this package as ``mldock_runtime`` and run
``python3 -m mldock_runtime train`` or ``python3 -m mldock_runtime serve``. It uses
only the standard library and uvicorn (requirements.txt), and never imports
mldock_core, which is not in the image.

The project's code lives in ``$MLDOCK_CODE_DIR/src`` (default /opt/program/src),
which goes first on sys.path.

train
    Imports ``$MLDOCK_TRAIN_MODULE`` (default ``train``) and calls ``train(ctx)``
    with the SageMaker layout under ``$MLDOCK_ML_ROOT`` (default /opt/ml).
    ``ctx.hyperparameters`` contains the values of hyperparameters.json decoded
    from JSON text ("10" is 10, "abc" stays "abc"). ``ctx.model_dir`` is model/
    under the ML root, or Vertex AI's ``$AIP_MODEL_DIR`` when that is a local path
    or file:// URI. On an exception, output/failure gets a one-line summary, a
    blank line and the traceback, and the exit status is 1; SIGTERM gives 143 and
    SIGINT 130.

serve
    Starts uvicorn on ``$MLDOCK_BIND_HOST`` (default 0.0.0.0), port
    ``$AIP_HTTP_PORT`` or ``$SAGEMAKER_BIND_TO_PORT`` (default 8080), with
    ``$MLDOCK_SERVE_WORKERS`` or ``$SAGEMAKER_MODEL_SERVER_WORKERS`` workers
    (default 1). Each worker imports ``$MLDOCK_SERVE_MODULE`` (default ``serve``)
    and calls ``load(ctx)`` once; if that fails, the whole server exits non-zero.
    The same ``predict(model, data, ctx)`` serves every platform's contract:
    SageMaker (``GET /ping``, ``POST /invocations``) and KServe v1 and v2 always,
    Vertex AI on ``$AIP_HEALTH_ROUTE`` and ``$AIP_PREDICT_ROUTE`` when they are
    set, and Azure ML (``GET /``, ``POST /score``) when ``$AZUREML_MODEL_DIR`` is
    set or ``$MLDOCK_PLATFORM`` is ``azureml``. SageMaker and Azure ML bodies are
    decoded by Content-Type (JSON, CSV, text, NumPy .npy, binary); Vertex AI and
    KServe unwrap their JSON envelopes (platforms.py, envelopes.py). Results go
    back as JSON, CSV or .npy by the Accept header, or in the platform's
    envelope. Bodies above ``$MLDOCK_MAX_REQUEST_SIZE`` bytes (default 20 MiB)
    get 413. Errors are ``{"error": "message"}`` with the HTTP status.
"""
