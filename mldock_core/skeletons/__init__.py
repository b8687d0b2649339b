"""Skeletons of new plugin distributions, written by ``mldock plugin new``."""
