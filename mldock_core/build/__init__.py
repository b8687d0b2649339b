"""Build an image: the build context, the Dockerfile plan and the requirements check."""
