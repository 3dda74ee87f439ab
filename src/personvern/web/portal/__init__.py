"""The customer privacy portal (``/portal``): rights, verification by code, status pages,
downloads and the preference centre."""

from personvern.web.portal.routes import router

__all__ = ["router"]
