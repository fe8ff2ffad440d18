"""Command line: `main(argv) -> int`; each subcommand lives in its own module, imported lazily."""
