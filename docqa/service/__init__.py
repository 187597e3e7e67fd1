"""The HTTP service: FastAPI app, routers and error handling over one loaded index build."""
