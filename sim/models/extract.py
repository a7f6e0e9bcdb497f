"""Extract the request shapes the simulator validates against from botocore's service models.

Run: python3 sim/models/extract.py   (writes sim/models/ecs.json and sim/models/codedeploy.json)

Output per service: the target prefix, per operation its input shape name and modeled errors,
and every shape reachable from those inputs (type, required members, member shape names, enum
values, length/range limits). Shapes are kept by name rather than inlined because
ContainerDefinition and friends are shared and deep. Sorted keys, so reruns are byte-identical.
"""
import gzip
import json
import os

import botocore

OPERATIONS = {
    "ecs": [
        "DescribeServices", "DescribeTaskDefinition", "RegisterTaskDefinition",
        "DeregisterTaskDefinition", "ListTasks", "DescribeTasks", "TagResource",
        "UpdateService", "DescribeTaskSets",
    ],
    "codedeploy": [
        "CreateDeployment", "GetDeployment", "BatchGetDeployments", "ListDeployments",
        "ListDeploymentTargets", "GetDeploymentTarget", "BatchGetDeploymentTargets",
        "StopDeployment", "ContinueDeployment", "GetDeploymentGroup", "BatchGetDeploymentGroups",
        "ListApplications", "BatchGetApplications", "ListDeploymentGroups", "GetApplication",
        "GetDeploymentConfig", "GetApplicationRevision", "PutLifecycleEventHookExecutionStatus",
    ],
}
PATHS = {"ecs": "ecs/2014-11-13", "codedeploy": "codedeploy/2014-10-06"}
KEPT = ("type", "required", "enum", "min", "max")


def extract(service):
    root = os.path.join(os.path.dirname(botocore.__file__), "data", PATHS[service], "service-2.json.gz")
    with gzip.open(root, "rt", encoding="utf-8") as f:
        model = json.load(f)
    shapes, operations = {}, {}

    def visit(name):
        if name in shapes:
            return
        src = model["shapes"][name]
        out = {k: src[k] for k in KEPT if k in src}
        shapes[name] = out
        if src["type"] == "structure":
            out["members"] = {m: ref["shape"] for m, ref in src.get("members", {}).items()}
            for ref in src.get("members", {}).values():
                visit(ref["shape"])
        elif src["type"] == "list":
            out["member"] = src["member"]["shape"]
            visit(src["member"]["shape"])
        elif src["type"] == "map":
            out["key"], out["value"] = src["key"]["shape"], src["value"]["shape"]
            visit(src["key"]["shape"])
            visit(src["value"]["shape"])

    for op in OPERATIONS[service]:
        spec = model["operations"][op]
        entry = {"errors": sorted(e["shape"] for e in spec.get("errors", []))}
        if "input" in spec:
            entry["input"] = spec["input"]["shape"]
            visit(spec["input"]["shape"])
        operations[op] = entry
    return {
        "source": f"botocore {botocore.__version__} data/{PATHS[service]}/service-2.json.gz",
        "targetPrefix": model["metadata"]["targetPrefix"],
        "operations": operations,
        "shapes": shapes,
    }


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for svc in OPERATIONS:
        with open(os.path.join(here, f"{svc}.json"), "w", encoding="utf-8") as f:
            json.dump(extract(svc), f, indent=1, sort_keys=True)
            f.write("\n")
