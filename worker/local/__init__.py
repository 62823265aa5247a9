"""Local infrastructure for one machine: the embedded Temporal dev server and the
MNS-compatible message queue.
"""
