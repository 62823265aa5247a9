"""worker: the interpreter workflow, its activities, the client-side service and local servers.

Roles, one subpackage each, imports running one way (a test enforces it)::

    contract/    names and payloads shared by all (pure; passed through the sandbox)
    workflow/    code that runs inside a workflow        -> contract
    service/     the client side (flows, executions...)  -> contract
    activities/  I/O on the workflows' behalf            -> service, local, contract
    local/       embedded server, local message queue    -> contract
    process.py   a worker process: workflows + activities
    config.py    the project config file (fdl.yaml)
"""
