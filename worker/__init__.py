"""worker: the interpreter workflow, its activities, and the worker process."""
