"""
Extends this test project's OpenAPI subset with the routes the server serves, from Prefect's published OpenAPI:
every operation of the full document except those in NOT_SERVED, the /ui routes (not published; shapes from
Prefect's server/api/ui source, schemas from its components), and every component they reference. Operations and
schemas already in the subset are kept as they are.

    python3 extend-subset.py <prefect-openapi.json> [prefect-openapi-subset.json]
"""
import copy
import json
import os
import sys

full = json.load(open(sys.argv[1]))
subset_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'prefect-openapi-subset.json')
sub = json.load(open(subset_path))
# Prefect routes this server does not serve (see src/Flows.Server/README.md).
NOT_SERVED = {
    ('/flows/bulk_delete', 'post'), ('/flow_runs/bulk_delete', 'post'), ('/flow_runs/bulk_set_state', 'post'),
    ('/deployments/get_scheduled_flow_runs', 'post'), ('/deployments/bulk_delete', 'post'), ('/deployments/{id}/schedule', 'post'),
    ('/deployments/{id}/create_flow_run/bulk', 'post'), ('/deployments/{id}/work_queue_check', 'get'),
    ('/work_pools/{name}/concurrency_status', 'post'), ('/work_queues/', 'post'), ('/work_queues/{id}/concurrency_status', 'post'),
}
for p, item in full['paths'].items():
    for m, op in item.items():
        if (p, m) in NOT_SERVED: continue
        sub['paths'].setdefault(p, {})
        if m not in sub['paths'][p]:
            sub['paths'][p][m] = copy.deepcopy(op)
# UI routes (not in the published OpenAPI): shapes from Prefect's source, schemas from the OpenAPI's components.
def body(props, required=()):
    return {"content": {"application/json": {"schema": {"type": "object", "properties": props, "required": list(required)}}}, "required": True}
def ok(schema):
    return {"200": {"description": "Successful Response", "content": {"application/json": {"schema": schema}}}}
ref = lambda n: {"$ref": f"#/components/schemas/{n}"}
uuid_list = {"type": "array", "items": {"type": "string", "format": "uuid"}, "maxItems": 200}
sub['paths']['/ui/flow_runs/history'] = {"post": {"requestBody": body({"sort": ref("FlowRunSort"), "limit": {"type": "integer", "maximum": 1000}, "offset": {"type": "integer", "minimum": 0},
    "flows": {"anyOf": [ref("FlowFilter"), {"type": "null"}]}, "flow_runs": {"anyOf": [ref("FlowRunFilter"), {"type": "null"}]}, "task_runs": {"anyOf": [ref("TaskRunFilter"), {"type": "null"}]},
    "deployments": {"anyOf": [ref("DeploymentFilter"), {"type": "null"}]}, "work_pools": {"anyOf": [ref("WorkPoolFilter"), {"type": "null"}]}}), "responses": ok({"type": "array", "items": ref("SimpleFlowRun")})}}
sub['paths']['/ui/flow_runs/count-task-runs'] = {"post": {"requestBody": body({"flow_run_ids": uuid_list}, ["flow_run_ids"]), "responses": ok({"type": "object", "propertyNames": {"format": "uuid"}, "additionalProperties": {"type": "integer"}})}}
sub['paths']['/ui/flows/count-deployments'] = {"post": {"requestBody": body({"flow_ids": uuid_list}, ["flow_ids"]), "responses": ok({"type": "object", "propertyNames": {"format": "uuid"}, "additionalProperties": {"type": "integer"}})}}
sub['paths']['/ui/flows/next-runs'] = {"post": {"requestBody": body({"flow_ids": uuid_list}, ["flow_ids"]), "responses": ok({"type": "object", "propertyNames": {"format": "uuid"}, "additionalProperties": {"anyOf": [ref("SimpleNextFlowRun"), {"type": "null"}]}})}}
sub['paths']['/ui/schemas/validate'] = {"post": {"requestBody": body({"schema": {"type": "object"}, "values": {"type": "object"}}, ["schema", "values"]), "responses": ok(ref("SchemaValuesValidationResponse"))}}
sub['paths']['/ui/task_runs/dashboard/counts'] = {"post": {"requestBody": body({"task_runs": ref("TaskRunFilter"), "flows": {"anyOf": [ref("FlowFilter"), {"type": "null"}]}, "flow_runs": {"anyOf": [ref("FlowRunFilter"), {"type": "null"}]},
    "deployments": {"anyOf": [ref("DeploymentFilter"), {"type": "null"}]}, "work_pools": {"anyOf": [ref("WorkPoolFilter"), {"type": "null"}]}, "work_queues": {"anyOf": [ref("WorkQueueFilter"), {"type": "null"}]}}, ["task_runs"]),
    "responses": ok({"type": "array", "items": ref("TaskRunCount")})}}
sub['paths']['/ui/task_runs/count'] = {"post": {"requestBody": body({"flows": {"anyOf": [ref("FlowFilter"), {"type": "null"}]}, "flow_runs": {"anyOf": [ref("FlowRunFilter"), {"type": "null"}]}, "task_runs": {"anyOf": [ref("TaskRunFilter"), {"type": "null"}]}, "deployments": {"anyOf": [ref("DeploymentFilter"), {"type": "null"}]}}), "responses": ok(ref("CountByState"))}}
sub['paths']['/ui/task_runs/{id}'] = {"get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}], "responses": ok(ref("UITaskRun"))}}
# pull in every referenced component, transitively
def refs(o, out):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == '$ref' and isinstance(v, str) and v.startswith('#/components/schemas/'): out.add(v.split('/')[-1])
            else: refs(v, out)
    elif isinstance(o, list):
        for v in o: refs(v, out)
need = set(); refs(sub['paths'], need)
schemas = sub['components']['schemas']
while True:
    new = set()
    for n in list(need):
        if n not in schemas:
            schemas[n] = copy.deepcopy(full['components']['schemas'][n])
        refs(schemas[n], new)
    if new <= need: break
    need |= new


json.dump(sub, open(subset_path, 'w'), indent=1, ensure_ascii=False)

print(len(sub['paths']), 'paths;', len(schemas), 'schemas')
