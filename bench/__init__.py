"""Side-by-side benchmark of cloudca against a bare ASGI reference on the same server stack.

Run it with ``bench/run`` (or ``python -m bench``); ``bench/README.md`` explains what it measures.
"""
