"""pytest configuration shared by every test level: paths, and tools/ on sys.path."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))   # make BUILD=dir test
sys.path.insert(0, os.path.join(ROOT, "tools"))
