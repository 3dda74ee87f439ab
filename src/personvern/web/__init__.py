"""The web layer: the JSON API for the shop's backend and the public privacy notice.

A thin shell over the domain functions (:mod:`personvern.requests`): routes parse and
check input, open one transaction, call one domain function and shape its answer.
"""

from personvern.web.app import create_app
from personvern.web.settings import Settings

__all__ = ["Settings", "create_app"]
