"""Structured data: keep a nested JSON document per project and update it in place.

Pattern: values are any JSON -- dicts, lists, numbers, strings, booleans, null. Read the
document (with a default for the first run), change nested fields, write it back. What
``get`` returns is your own copy, so changing it changes nothing until you ``set`` it.

Run it a few times with different tasks::

    sandbox-host run examples/agents/structured_data.py --user alice --agent tracker \\
        --input '{"project": "apollo", "task": "write the docs", "tags": ["docs"]}'
    sandbox-host run examples/agents/structured_data.py --user alice --agent tracker \\
        --input '{"project": "apollo", "complete": "write the docs"}'
"""


def empty_project(name):
    return {"name": name, "tasks": [], "tags": [], "stats": {"open": 0, "done": 0, "updates": 0}}


async def run(input_dict, tools):
    name = input_dict.get("project", "apollo")
    projects = data_store.use_namespace("projects")
    project = projects.get(name) or empty_project(name)

    new_task = input_dict.get("task")
    if new_task and all(task["title"] != new_task for task in project["tasks"]):
        project["tasks"].append({"title": new_task, "done": False})

    finished = input_dict.get("complete")
    for task in project["tasks"]:
        if task["title"] == finished:
            task["done"] = True

    for tag in input_dict.get("tags", []):
        if tag not in project["tags"]:
            project["tags"].append(tag)

    project["stats"]["done"] = sum(1 for task in project["tasks"] if task["done"])
    project["stats"]["open"] = len(project["tasks"]) - project["stats"]["done"]
    project["stats"]["updates"] += 1

    projects.set(name, project, metadata={"schema": "project/v1"})
    print(f"{name}: {project['stats']['open']} open, {project['stats']['done']} done")
    return {"project": project, "all_projects": projects.list_keys()}
