"""Load the data store into your own RestrictedPython runtime through the sandbox hooks.

For hosts that compile and run agent code themselves instead of using ``SandboxHost``: build
the plugin manager, tell plugins a run starts, merge the globals they contribute, run, and
tell them the run finished (which writes the access tracking). Run it::

    python examples/host_integration.py
"""

from RestrictedPython import compile_restricted, safe_globals
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import safer_getattr

from sandbox_host import ExecutionContext, RunResult
from sandbox_host.plugins import build_plugin_manager

AGENT_CODE = """
visits = data_store.get("visits", 0) + 1
data_store.set("visits", visits)
result = {"visits": visits, "keys": data_store.list_keys()}
"""

manager = build_plugin_manager()  # loads the data_store plugin through its entry point
context = ExecutionContext(user_id="alice", agent_name="my-runtime-agent")
outcome = RunResult()

manager.hook.sandbox_run_started(context=context)
try:
    sandbox = dict(safe_globals, _getattr_=safer_getattr, _getitem_=default_guarded_getitem)
    for contributed in manager.hook.sandbox_globals(context=context):
        sandbox.update(contributed or {})  # {"data_store": ...} bound to alice/my-runtime-agent
    exec(compile_restricted(AGENT_CODE, "<agent>", "exec"), sandbox)
    outcome.output = sandbox["result"]
finally:
    manager.hook.sandbox_run_finished(context=context, result=outcome)

plugin = manager.get_plugin("data_store")
plugin.wait_for_counts()  # access counts are written in the background right after the run
record = plugin.backend.get("alice", "default", "visits")
print("output:", outcome.output)
print("operations:", [op["op"] for op in outcome.ops])
print("createdByAgent:", record.created_by_agent, "| accessCount:", record.access_count)
