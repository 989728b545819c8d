"""Test-session settings."""

import os

import torch

# Under pytest-xdist every worker is a process of its own; with torch's default
# of one thread per core, two workers on two cores run four spinning threads
# and the small fits of the suite slow down several times. One thread each.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)
