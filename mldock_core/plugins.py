"""The plugin manager: built-in plugins, entry points, listing and load failures.

Built-ins register through the same hooks as third-party plugins. Entry
points of the ``mldock`` group load once, when something first asks for a
plugin's contribution. A plugin that fails to import or to register is
recorded with its error and left out, so it never breaks an unrelated command.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import pluggy

from mldock_core import PROJECT_NAME, __version__, hookspecs
from mldock_core.errors import PluginError

if TYPE_CHECKING:
    from mldock_core.kinds import BuildStep, Registry, Runtime, Template



def _debug(message: str, *args: object, exc_info: bool = False) -> None:
    # logging is imported here, not at the top: it costs about 8 ms of every
    # `mldock --help`, and these messages are rare.
    import logging

    logging.getLogger(__name__).debug(message, *args, exc_info=exc_info)

ENTRY_POINT_GROUP = "mldock"
CORE_DISTRIBUTION = "mldock-core"
BUILTIN_PLUGINS = (
    "mldock_core.builtin.templates",
    "mldock_core.builtin.build_steps",
    "mldock_core.builtin.runtimes",
    "mldock_core.builtin.registries",
)
DISABLE_VARIABLE = "MLDOCK_DISABLE_PLUGINS"
ALLOW_VARIABLE = "MLDOCK_PLUGINS"

KIND_HOOKS = {
    "template": "mldock_register_templates",
    "build step": "mldock_register_build_steps",
    "runtime": "mldock_register_runtimes",
    "registry": "mldock_register_registries",
}

T = TypeVar("T")


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin, as ``mldock plugins`` shows it."""

    name: str
    module: str
    distribution: str
    version: str
    builtin: bool = False
    error: str | None = None
    contributions: dict[str, list[str]] = field(default_factory=dict)


def _names_from(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _short_error(error: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception_only(type(error), error)).strip()


class PluginHost:
    """Owns the pluggy manager and the objects each kind's plugins registered."""

    def __init__(self, *, entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self._plugins: dict[str, PluginInfo] = {}
        self._kinds: dict[str, dict[str, Any]] = {}
        self._load_entry_points = entry_points
        self._loaded = False
        self._trace: Callable[[str], None] | None = None
        self.disabled: list[str] = []

    # Loading

    def load(self) -> PluginHost:
        """Register the built-ins and the ``mldock`` entry points, once."""
        if self._loaded:
            return self
        self._loaded = True
        import importlib

        for module_name in BUILTIN_PLUGINS:
            module = importlib.import_module(module_name)
            self.register(module, name=module_name, builtin=True)
        if self._load_entry_points:
            self._load_from_entry_points()
        return self

    def register(
        self,
        plugin: object,
        *,
        name: str,
        distribution: str = CORE_DISTRIBUTION,
        version: str = __version__,
        builtin: bool = False,
    ) -> None:
        """Register one plugin object (a module or an instance) under ``name``."""
        module = getattr(plugin, "__name__", type(plugin).__module__)
        info = PluginInfo(name, module, distribution, version, builtin=builtin)
        try:
            self.pm.register(plugin, name=name)
        except ValueError as error:
            info.error = f"not registered: {error}"
        self._plugins[name] = info
        self._kinds.clear()

    def _load_from_entry_points(self) -> None:
        from mldock_core.entry_points import entry_points

        allowed = _names_from(ALLOW_VARIABLE)
        disabled = _names_from(DISABLE_VARIABLE) or set()
        for entry_point in entry_points(ENTRY_POINT_GROUP):
            name, dist_name, version = entry_point.name, entry_point.distribution, entry_point.version
            names = {name, dist_name}
            if names & disabled or (allowed is not None and not names & allowed):
                _debug("plugin %s is disabled by the environment", name)
                self.disabled.append(f"{name} ({dist_name})")
                continue
            if name in self._plugins:
                other = self._plugins[name]
                self._record_failure(
                    name, entry_point.value, dist_name, version,
                    f"the name {name!r} is taken by {other.distribution}",
                )
                continue
            try:
                plugin = entry_point.load()
            except Exception as error:  # noqa: BLE001 - any import error must be contained
                _debug("plugin %s failed to load", name, exc_info=True)
                self._record_failure(name, entry_point.value, dist_name, version, _short_error(error))
                continue
            self.register(plugin, name=name, distribution=dist_name, version=version)

    def _record_failure(
        self, name: str, module: str, distribution: str, version: str, error: str
    ) -> None:
        self._plugins[name] = PluginInfo(name, module, distribution, version, error=error)

    # Listing

    def plugins(self) -> list[PluginInfo]:
        """Return every plugin, loaded or failed, with what it contributes."""
        self.load()
        for kind in KIND_HOOKS:
            try:
                self._collect(kind)
            except PluginError:
                pass  # the clash is recorded on the plugin that lost and shown there
        return sorted(self._plugins.values(), key=lambda info: (not info.builtin, info.name))

    def failures(self) -> list[PluginInfo]:
        """Return the plugins that failed to load or to register."""
        return [info for info in self.plugins() if info.error]

    # The four kinds

    def templates(self) -> dict[str, Template]:
        return self._collect("template")

    def build_steps(self) -> dict[str, BuildStep]:
        return self._collect("build step")

    def runtimes(self) -> dict[str, Runtime]:
        return self._collect("runtime")

    def registries(self) -> dict[str, Registry]:
        return self._collect("registry")

    def get(self, kind: str, name: str) -> Any:
        """Return the object of ``kind`` called ``name``, or raise naming the choices."""
        objects = self._collect(kind)
        if name in objects:
            return objects[name]
        known = ", ".join(sorted(objects)) or "none"
        failed = [info.name for info in self._plugins.values() if info.error]
        hint = f"; plugins that failed to load: {', '.join(failed)}" if failed else ""
        if self.disabled:
            hint += (
                f"; plugins left out by {DISABLE_VARIABLE} or {ALLOW_VARIABLE}: "
                f"{', '.join(self.disabled)}"
            )
        raise PluginError(f"unknown {kind} {name!r}; available: {known}{hint}")

    def origin(self, kind: str, name: str) -> PluginInfo:
        """Return the plugin that registered ``kind`` ``name``."""
        self._collect(kind)
        for info in self._plugins.values():
            if name in info.contributions.get(kind, []):
                return info
        raise PluginError(f"unknown {kind} {name!r}")

    def _collect(self, kind: str) -> dict[str, Any]:
        if kind in self._kinds:
            return self._kinds[kind]
        self.load()
        objects: dict[str, Any] = {}
        owners: dict[str, str] = {}
        clashes: list[str] = []
        hook = getattr(self.pm.hook, KIND_HOOKS[kind])
        # Calling each implementation on its own shows which plugin registered
        # what, and lets one failing plugin be left out without losing the rest.
        for impl in hook.get_hookimpls():
            info = self._plugins[impl.plugin_name]
            self._trace_call(hook.name, impl.plugin_name)
            contributed = info.contributions.setdefault(kind, [])
            contributed.clear()

            def register(obj: Any, info: PluginInfo = info) -> None:
                name = getattr(obj, "name", None)
                if not isinstance(name, str) or not name:
                    raise PluginError(f"plugin {info.name!r} registered a {kind} without a name")
                if name in objects:
                    owner = self._plugins[owners[name]]
                    message = (
                        f"{kind} {name!r} is registered by two plugins: "
                        f"{owner.name!r} ({owner.distribution}) and {info.name!r} "
                        f"({info.distribution}); uninstall one, or disable it with "
                        f"{DISABLE_VARIABLE}={info.name}"
                    )
                    info.error = message
                    clashes.append(message)
                    return
                objects[name] = obj
                owners[name] = info.name
                info.contributions[kind].append(name)

            try:
                impl.function(**{arg: register for arg in impl.argnames})
            except Exception as error:  # noqa: BLE001 - a plugin's bug must not stop the others
                _debug("plugin %s failed in %s", info.name, hook.name, exc_info=True)
                info.error = f"{hook.name} failed: {_short_error(error)}"
        if clashes:
            raise PluginError(clashes[0])
        self._kinds[kind] = objects
        return objects

    def call_each(self, hook_name: str, **kwargs: Any) -> None:
        """Call every implementation of a hook, recording a failing plugin instead of raising."""
        self.load()
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            self._trace_call(hook_name, impl.plugin_name)
            try:
                impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as error:  # noqa: BLE001 - a plugin's bug must not stop the others
                _debug("plugin %s failed in %s", impl.plugin_name, hook_name, exc_info=True)
                info = self._plugins[impl.plugin_name]
                info.error = f"{hook_name} failed: {_short_error(error)}"

    # Debugging

    def trace_hooks(self, write: Callable[[str], None]) -> None:
        """Send a line for every hook call and result to ``write``."""
        self._trace = write
        self.pm.trace.root.setwriter(write)
        self.pm.enable_tracing()

    def _trace_call(self, hook_name: str, plugin_name: str) -> None:
        # Contribution hooks are called one implementation at a time, past
        # pluggy's own tracing, so they are traced here.
        if self._trace is not None:
            self._trace(f"{hook_name} [{plugin_name}]\n")


_host: PluginHost | None = None


def get_plugin_host() -> PluginHost:
    """Return the process-wide plugin host, loading the plugins on first use."""
    global _host
    if _host is None:
        _host = PluginHost()
    return _host.load()
