"""The ``asyncio`` facade agents import: the run-scoped functions of :mod:`.async_tasks`
and the classes of :mod:`.async_primitives`, nothing of the event loop."""

from __future__ import annotations

import asyncio

from sandbox_host.facades.async_primitives import (
    Barrier,
    BoundedSemaphore,
    Condition,
    Event,
    LifoQueue,
    Lock,
    PriorityQueue,
    Queue,
    Semaphore,
    TaskGroup,
    Timeout,
    timeout,
)
from sandbox_host.facades.async_tasks import (
    Future,
    Task,
    all_tasks,
    as_completed,
    create_task,
    current_task,
    ensure_future,
    gather,
    isfuture,
    run,
    shield,
    sleep,
    wait,
    wait_for,
)
from sandbox_host.facades.core import ModuleFacade

_LOOP = "the event loop is not available in the sandbox; use the functions of this module"
_THREADS = "threads and processes are not available in the sandbox"
_NETWORK = "network connections are not available in the sandbox"
_REFUSED = {
    **dict.fromkeys(
        ("get_event_loop", "get_running_loop", "new_event_loop", "set_event_loop", "Runner",
         "AbstractEventLoop", "BaseEventLoop", "SelectorEventLoop", "run_coroutine_threadsafe",
         "wrap_future", "get_event_loop_policy", "set_event_loop_policy", "timeout_at"),
        _LOOP,
    ),
    **dict.fromkeys(
        ("to_thread", "create_subprocess_exec", "create_subprocess_shell", "subprocess"),
        _THREADS,
    ),
    **dict.fromkeys(
        ("open_connection", "start_server", "open_unix_connection", "start_unix_server",
         "StreamReader", "StreamWriter"),
        _NETWORK,
    ),
}

ASYNCIO = ModuleFacade(
    "asyncio",
    {
        "sleep": sleep,
        "create_task": create_task,
        "ensure_future": ensure_future,
        "gather": gather,
        "shield": shield,
        "wait_for": wait_for,
        "wait": wait,
        "as_completed": as_completed,
        "current_task": current_task,
        "all_tasks": all_tasks,
        "isfuture": isfuture,
        "iscoroutine": asyncio.iscoroutine,
        "iscoroutinefunction": asyncio.iscoroutinefunction,
        "run": run,
        "timeout": timeout,
        "Timeout": Timeout,
        "TaskGroup": TaskGroup,
        "Task": Task,
        "Future": Future,
        "Queue": Queue,
        "LifoQueue": LifoQueue,
        "PriorityQueue": PriorityQueue,
        "QueueEmpty": asyncio.QueueEmpty,
        "QueueFull": asyncio.QueueFull,
        "Lock": Lock,
        "Event": Event,
        "Semaphore": Semaphore,
        "BoundedSemaphore": BoundedSemaphore,
        "Condition": Condition,
        "Barrier": Barrier,
        "BrokenBarrierError": asyncio.BrokenBarrierError,
        "CancelledError": asyncio.CancelledError,
        "TimeoutError": asyncio.TimeoutError,
        "InvalidStateError": asyncio.InvalidStateError,
        "IncompleteReadError": asyncio.IncompleteReadError,
        "LimitOverrunError": asyncio.LimitOverrunError,
        "FIRST_COMPLETED": asyncio.FIRST_COMPLETED,
        "FIRST_EXCEPTION": asyncio.FIRST_EXCEPTION,
        "ALL_COMPLETED": asyncio.ALL_COMPLETED,
    },
    refused=_REFUSED,
)
"""The asyncio facade, shared by every run (it finds the run through its scope)."""
