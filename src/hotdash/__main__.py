"""`python -m hotdash` runs the command line."""

from hotdash.cli import main

main()
