"""mldock's built-in plugins, registered through the same hooks as any other plugin."""
