"""The web console: a single page of vanilla ES modules and CSS shipped as package data.

No front-end build and nothing fetched at run time: ``static/`` is served as it is under
``/console``, and the page speaks to the same ``/v1`` API as every other client.
"""
