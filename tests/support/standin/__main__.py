"""`python -m tests.support.standin PROVIDER`: what the mirror's launcher script runs."""

import sys

from .provider import StandinProvider
from .server import serve

if __name__ == "__main__":
    serve(StandinProvider(sys.argv[1]))
