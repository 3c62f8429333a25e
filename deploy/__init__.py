"""Deployment: the prod-local runner and the container health checks."""
