import gc

gc.disable()  # before the imports: see mlinfra.cli.main

from mlinfra.cli import main  # noqa: E402

main()
