"""The ``logging`` facade: each run gets its own logger hierarchy writing into its output.

The real ``logging`` module keeps one process-wide hierarchy whose handlers write to files
and streams, and registers every handler for the interpreter's exit: none of that may be
shared between users' runs or reached by agent code. This facade keeps CPython's logging
behaviour -- levels, propagation, ``basicConfig``, formatters, filters, the last-resort
handler printing warnings and above -- on loggers that belong to one run, and every
record a handler emits goes into the run's printed output (where CPython would write to
standard error).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any

from sandbox_host.facades.core import ModuleFacade, pick
from sandbox_host.facades.reporting import agent_frame, exception_lines
from sandbox_host.guards import add_open_bases, add_writable_types
from sandbox_host.scope import RunScope, current_scope

_LEVEL_NAMES = "CRITICAL FATAL ERROR WARNING WARN INFO DEBUG NOTSET"


def _check_level(level: int | str) -> int:
    if isinstance(level, int):
        return level
    if isinstance(level, str):
        value = logging.getLevelName(level)
        if isinstance(value, int):
            return value
        raise ValueError(f"Unknown level: {level!r}")
    raise TypeError(f"Level not an integer or a valid string: {level!r}")


def _write(text: str) -> None:
    current_scope().printer.write(text)


class Filterer:
    """What handlers and loggers share: a list of filters, applied in order."""

    filters: list[Any]

    def addFilter(self, filter: Any) -> None:
        """Add a filter (an object with ``filter(record)`` or a callable)."""
        if filter not in self.filters:
            self.filters.append(filter)

    def removeFilter(self, filter: Any) -> None:
        """Remove a filter."""
        if filter in self.filters:
            self.filters.remove(filter)

    def filter(self, record: logging.LogRecord) -> bool | logging.LogRecord:
        """Apply the filters; a false answer drops the record, a record replaces it."""
        result: bool | logging.LogRecord = True
        for item in self.filters:
            answer = item.filter(record) if hasattr(item, "filter") else item(record)
            if not answer:
                return False
            if isinstance(answer, logging.LogRecord):
                record = result = answer
        return result


class Handler(Filterer):
    """``logging.Handler``: subclass it and define ``emit(record)``."""

    terminator = "\n"

    def __init__(self, level: int | str = logging.NOTSET) -> None:
        self.level = _check_level(level)
        self.formatter: Any = None
        self.filters: list[Any] = []
        self.name: str | None = None

    def setLevel(self, level: int | str) -> None:
        """Ignore records below ``level``."""
        self.level = _check_level(level)

    def setFormatter(self, fmt: Any) -> None:
        """Format records with ``fmt``."""
        self.formatter = fmt

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, with this handler's formatter (``%(message)s`` without one)."""
        formatter = self.formatter or _DEFAULT_FORMATTER
        text: str = formatter.format(record)
        return text

    def handle(self, record: logging.LogRecord) -> bool | logging.LogRecord:
        """Filter and emit ``record``."""
        result = self.filter(record)
        if isinstance(result, logging.LogRecord):
            record = result
        if result:
            try:
                self.emit(record)
            except Exception:
                self.handleError(record)
        return result

    def emit(self, record: logging.LogRecord) -> None:
        """Write ``record`` somewhere; subclasses define it."""
        raise NotImplementedError("emit must be implemented by Handler subclasses")

    def handleError(self, record: logging.LogRecord) -> None:
        """What CPython prints to standard error when emitting fails, into the run output."""
        error = sys.exc_info()[1]
        _write(f"--- Logging error ---\n{type(error).__name__}: {error}\n")

    def flush(self) -> None:
        """Nothing is buffered."""

    def close(self) -> None:
        """Nothing to release."""

    def acquire(self) -> None:
        """Runs are single-threaded: no lock needed."""

    def release(self) -> None:
        """Runs are single-threaded: no lock needed."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({logging.getLevelName(self.level)})>"


class StreamHandler(Handler):
    """``logging.StreamHandler``: writes into the run's printed output (or ``stream``, an
    object of the agent's with a ``write`` method)."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        """Write the formatted record and the terminator."""
        text = self.format(record) + self.terminator
        if self.stream is None:
            _write(text)
        else:
            self.stream.write(text)


class NullHandler(Handler):
    """``logging.NullHandler``: drops everything."""

    def emit(self, record: logging.LogRecord) -> None:
        """Drop the record."""

    def handle(self, record: logging.LogRecord) -> bool:
        """Drop the record."""
        return True


add_open_bases(Filterer, Handler, StreamHandler, NullHandler, logging.Formatter, logging.Filter)
add_writable_types(Handler, logging.Formatter, logging.Filter, logging.LogRecord,
                   logging.LoggerAdapter)

_DEFAULT_FORMATTER = logging.Formatter()


class _Hierarchy:
    """One run's loggers by name, its root, and its ``logging.disable`` level."""

    def __init__(self) -> None:
        self.root = Logger("root", logging.WARNING)
        self.root.manager = self
        self.loggerDict: dict[str, Logger] = {}
        self.disable = 0

    def get(self, name: str) -> Logger:
        logger = self.loggerDict.get(name)
        if logger is not None:
            return logger
        logger = Logger(name)
        logger.manager = self
        self.loggerDict[name] = logger
        logger.parent = self._nearest_ancestor(name)
        for other in self.loggerDict.values():
            # Loggers made before an ancestor existed now propagate through it.
            if other.name.startswith(name + ".") and other.parent is not None and (
                other.parent is self.root or len(other.parent.name) < len(name)
            ):
                other.parent = logger
        return logger

    def _nearest_ancestor(self, name: str) -> Logger:
        parts = name.split(".")
        for end in range(len(parts) - 1, 0, -1):
            found = self.loggerDict.get(".".join(parts[:end]))
            if found is not None:
                return found
        return self.root


class Logger(Filterer):
    """``logging.Logger`` of one run's hierarchy (its objects are the run's own)."""

    def __init__(self, name: str, level: int | str = logging.NOTSET) -> None:
        self.name = name
        self.level = _check_level(level)
        self.parent: Logger | None = None
        self.propagate = True
        self.handlers: list[Any] = []
        self.filters: list[Any] = []
        self.disabled = False
        self.manager: _Hierarchy | None = None

    def setLevel(self, level: int | str) -> None:
        """Set this logger's threshold."""
        self.level = _check_level(level)

    def getEffectiveLevel(self) -> int:
        """The first level set on this logger or an ancestor."""
        logger: Logger | None = self
        while logger is not None:
            if logger.level:
                return logger.level
            logger = logger.parent
        return logging.NOTSET

    def isEnabledFor(self, level: int) -> bool:
        """Would a record of ``level`` be processed?"""
        if self.disabled or (self.manager is not None and level <= self.manager.disable):
            return False
        return level >= self.getEffectiveLevel()

    def getChild(self, suffix: str) -> Logger:
        """The logger named ``<this name>.<suffix>``."""
        name = suffix if self.manager is not None and self is self.manager.root else (
            f"{self.name}.{suffix}"
        )
        return Logger(name) if self.manager is None else self.manager.get(name)

    def addHandler(self, handler: Any) -> None:
        """Send records to ``handler`` too."""
        if handler not in self.handlers:
            self.handlers.append(handler)

    def removeHandler(self, handler: Any) -> None:
        """Stop sending records to ``handler``."""
        if handler in self.handlers:
            self.handlers.remove(handler)

    def hasHandlers(self) -> bool:
        """Does this logger or an ancestor it propagates to have handlers?"""
        logger: Logger | None = self
        while logger is not None:
            if logger.handlers:
                return True
            if not logger.propagate:
                return False
            logger = logger.parent
        return False

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log at DEBUG."""
        if self.isEnabledFor(logging.DEBUG):
            self._log(logging.DEBUG, msg, args, **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log at INFO."""
        if self.isEnabledFor(logging.INFO):
            self._log(logging.INFO, msg, args, **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log at WARNING."""
        if self.isEnabledFor(logging.WARNING):
            self._log(logging.WARNING, msg, args, **kwargs)

    warn = warning

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log at ERROR."""
        if self.isEnabledFor(logging.ERROR):
            self._log(logging.ERROR, msg, args, **kwargs)

    def exception(self, msg: Any, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        """Log at ERROR with the exception being handled."""
        self.error(msg, *args, exc_info=exc_info, **kwargs)

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log at CRITICAL."""
        if self.isEnabledFor(logging.CRITICAL):
            self._log(logging.CRITICAL, msg, args, **kwargs)

    fatal = critical

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log at ``level``."""
        if not isinstance(level, int):
            raise TypeError("level must be an integer")
        if self.isEnabledFor(level):
            self._log(level, msg, args, **kwargs)

    def _log(
        self,
        level: int,
        msg: Any,
        args: Any,
        exc_info: Any = None,
        extra: Mapping[str, Any] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        if args and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
            args = args[0]
        pathname, lineno, function = _agent_caller(stacklevel)
        error = _exception_of(exc_info)
        # The traceback stays out of the record: formatting it would show host frames.
        record = logging.LogRecord(
            self.name, level, pathname, lineno, msg, args,
            None if error is None else (type(error), error, None), function,
        )
        if error is not None:
            record.exc_text = _exception_text(error)
        for key, value in (extra or {}).items():
            if key in ("message", "asctime") or key in record.__dict__:
                raise KeyError(f"Attempt to overwrite {key!r} in LogRecord")
            setattr(record, key, value)
        self.handle(record)

    def handle(self, record: logging.LogRecord) -> None:
        """Pass ``record`` to the handlers of this logger and its ancestors."""
        if self.disabled:
            return
        result = self.filter(record)
        if not result:
            return
        if isinstance(result, logging.LogRecord):
            record = result
        found = 0
        logger: Logger | None = self
        while logger is not None:
            for handler in logger.handlers:
                found += 1
                if record.levelno >= handler.level:
                    handler.handle(record)
            if not logger.propagate:
                break
            logger = logger.parent
        if not found and record.levelno >= logging.WARNING:
            # CPython's "last resort" handler: the bare message, on standard error.
            _write(_DEFAULT_FORMATTER.format(record) + "\n")

    def __repr__(self) -> str:
        return f"<Logger {self.name} ({logging.getLevelName(self.getEffectiveLevel())})>"

    def __reduce__(self) -> Any:
        raise TypeError("loggers cannot be copied or pickled")


add_writable_types(Logger)


def _agent_caller(stacklevel: int) -> tuple[str, int, str]:
    frame = agent_frame(stacklevel)
    if frame is None:
        return "<agent>", 0, "(unknown function)"
    return "<agent>", frame.f_lineno, frame.f_code.co_name


def _exception_of(exc_info: Any) -> BaseException | None:
    if not exc_info:
        return None
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple):
        return exc_info[1] if len(exc_info) > 1 else None
    return sys.exc_info()[1]


def _exception_text(error: BaseException) -> str:
    """The traceback text of ``error`` with the agent's own frames only."""
    return "".join(exception_lines(error)).rstrip("\n")


def build_logging(scope: RunScope) -> ModuleFacade:
    """The ``logging`` facade of one run."""
    hierarchy = _Hierarchy()
    root = hierarchy.root

    def getLogger(name: str | None = None) -> Logger:
        """The logger named ``name`` (the root logger without one)."""
        if not name or name == "root":
            return root
        if not isinstance(name, str):
            raise TypeError("A logger name must be a string")
        return hierarchy.get(name)

    def basicConfig(**kwargs: Any) -> None:
        """Configure the root logger (once, unless ``force=True``)."""
        for refused in ("stream", "filename", "filemode", "encoding", "errors"):
            if kwargs.get(refused) is not None:
                raise ValueError(
                    f"basicConfig({refused}=...) is not available in the sandbox: log "
                    "records go to the run's printed output"
                )
        force = kwargs.pop("force", False)
        if force:
            root.handlers.clear()
        if root.handlers:
            return
        handlers = kwargs.pop("handlers", None) or [StreamHandler()]
        fmt = kwargs.pop("format", logging.BASIC_FORMAT)
        datefmt = kwargs.pop("datefmt", None)
        style = kwargs.pop("style", "%")
        level = kwargs.pop("level", None)
        for name in ("stream", "filename", "filemode", "encoding", "errors"):
            kwargs.pop(name, None)
        if kwargs:
            raise ValueError("Unrecognised argument(s): " + ", ".join(kwargs))
        formatter = logging.Formatter(fmt, datefmt, style)
        for handler in handlers:
            if handler.formatter is None:
                handler.setFormatter(formatter)
            root.addHandler(handler)
        if level is not None:
            root.setLevel(level)

    def disable(level: int = logging.CRITICAL) -> None:
        """Ignore records at ``level`` and below, in this run."""
        hierarchy.disable = level

    def module_level(method: str) -> Callable[..., None]:
        def log(*args: Any, **kwargs: Any) -> None:
            if not root.handlers:
                basicConfig()
            getattr(root, method)(*args, **kwargs)

        log.__name__ = log.__qualname__ = method
        return log

    members: dict[str, Any] = {
        **pick(logging, _LEVEL_NAMES),
        **pick(logging, "BASIC_FORMAT Formatter Filter LogRecord LoggerAdapter getLevelName "
                        "makeLogRecord"),
        "getLogger": getLogger,
        "basicConfig": basicConfig,
        "disable": disable,
        "root": root,
        "Logger": Logger,
        "Handler": Handler,
        "StreamHandler": StreamHandler,
        "NullHandler": NullHandler,
        "getLoggerClass": lambda: Logger,
        **{name: module_level(name) for name in
           ("debug", "info", "warning", "warn", "error", "exception", "critical", "fatal",
            "log")},
    }
    refused = {
        name: "log records go to the run's printed output; files, streams and the network "
        "are not available" for name in
        ("FileHandler", "handlers", "config", "captureWarnings", "lastResort")
    }
    refused.update(
        {name: "the logging configuration of the process is not available in the sandbox"
         for name in ("setLoggerClass", "addLevelName", "shutdown", "setLogRecordFactory",
                      "getLogRecordFactory", "Manager", "RootLogger")}
    )
    return ModuleFacade("logging", members, refused=refused)
