"""Sizes of the campaigns: schemathesis over the served OpenAPI document, and kill -9 under load.

Both run in CI at a small size, and at full size with one command (see the README, "Campaigns"):

    make campaigns        # CLOUDCA_CAMPAIGN_REQUESTS=50000 CLOUDCA_CAMPAIGN_KILLS=100

Each prints its figures at the end (run pytest with ``-s`` to see them, or read
``campaign-*.txt`` in the test's temporary directory). Loopback only; every loop is bounded in
count and time.
"""

from __future__ import annotations

import os

#: Generated requests of the schemathesis campaign (CI: 10,000).
REQUESTS = int(os.environ.get("CLOUDCA_CAMPAIGN_REQUESTS", "10000"))
#: kill -9 of the kill campaign, per database (CI: a few).
KILLS = int(os.environ.get("CLOUDCA_CAMPAIGN_KILLS", "5"))
#: Time bound of one campaign, seconds (CI: 10 minutes; it then reports what it reached).
TIME_LIMIT = float(os.environ.get("CLOUDCA_CAMPAIGN_SECONDS", "600"))
