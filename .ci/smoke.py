#!/usr/bin/env python3
"""Runs ../shared/contract/smoke.py unchanged, except that request paths are
percent-encoded: the shared helper passes `?q=测试` raw to urllib, whose http.client
refuses non-ASCII request lines before anything reaches the server."""
import os, runpy, sys, urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
contract = os.path.normpath(os.path.join(here, "..", "..", "shared", "contract"))
sys.path.insert(0, contract)
import lifeline  # noqa: E402

_call = lifeline.call


def call(base, method, path, *args, **kwargs):
    return _call(base, method, urllib.parse.quote(path, safe="/?=&:%+"), *args, **kwargs)


lifeline.call = call
sys.argv = [os.path.join(contract, "smoke.py")] + sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
