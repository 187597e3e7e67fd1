"""Tests of the HTTP service and `docqa serve`."""
